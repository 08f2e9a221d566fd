/**
 * `npm run histories:save`: runs real segmentation workflows (a real worker, real Temporal and
 * Trino, as `npm test` starts them, or the ones TEMPORAL_ADDRESS / TRINO_URL point at) and
 * saves their event histories as fixtures under test/workflows/histories/, named after the
 * workflow code's version (`<WORKFLOW_VERSION>-<case>.json`). test/unit/replay.test.ts replays
 * every fixture against the current workflow code: a change that would break runs in flight
 * fails there. Keep old fixtures as long as runs of that version can still exist (the run
 * deadline is at most 7 days); add new ones after a versioned change (see the README).
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { parseRunConfig, type RunConfigInput } from '../src/config/runConfig';
import { temporalCliPath } from '../src/embedded/temporal';
import { TrinoWarehouse } from '../src/warehouse';
import { createWorker } from '../src/worker';
import { segmentationWorkflow, WORKFLOW_VERSION } from '../src/workflows/segmentation';
import { startServices, stopServices, type Services } from './services/both';

const root = resolve(__dirname, '..');
const out = join(root, 'test', 'workflows', 'histories');

async function trinoQuery(url: string, sql: string): Promise<void> {
  const w = new TrinoWarehouse({ server: url, user: 'autoseg-histories', catalog: 'memory', schema: 'default' });
  try {
    await w.connection.execute(sql);
  } finally {
    await w.close();
  }
}

async function main(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  let services: Services | undefined;
  if (!process.env.TEMPORAL_ADDRESS || !process.env.TRINO_URL) {
    services = await startServices(mkdtempSync(join(tmpdir(), 'autoseg-histories-')));
    Object.assign(process.env, services.env);
  }
  const address = process.env.TEMPORAL_ADDRESS!;
  const trinoUrl = process.env.TRINO_URL!;
  try {
    await trinoQuery(trinoUrl, 'DROP TABLE IF EXISTS memory.default.histories_customers');
    await trinoQuery(trinoUrl, 'CREATE TABLE memory.default.histories_customers AS SELECT custkey, mktsegment, nationkey, acctbal FROM tpch.tiny.customer');
    const base = { source: { kind: 'table', table: 'memory.default.histories_customers' }, userId: 'custkey', kRange: { min: 2, max: 4 } } as const;
    const cases: [string, RunConfigInput][] = [
      ['worker', { ...base, output: { kind: 'table', table: 'memory.default.histories_worker' }, engine: 'worker' }],
      ['pushdown', { ...base, output: { kind: 'table', table: 'memory.default.histories_pushdown' }, engine: 'trino', trainingSampleSize: 500 }],
      ['input-error', { ...base, source: { kind: 'table', table: 'memory.default.histories_missing' }, output: { kind: 'table', table: 'memory.default.histories_worker' } }],
    ];
    const taskQueue = `histories-${Date.now()}`;
    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    try {
      const worker = await createWorker(nativeConnection, { taskQueue });
      const client = new Client({ connection });
      await worker.runUntil(async () => {
        mkdirSync(out, { recursive: true });
        for (const [name, input] of cases) {
          const workflowId = `histories-${name}-${Date.now()}`;
          const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId, args: [parseRunConfig(input)] });
          const outcome = await handle.result().then(
            () => 'completed',
            (e: unknown) => `failed (${e instanceof Error ? e.message : String(e)})`,
          );
          const file = join(out, `${WORKFLOW_VERSION}-${name}.json`);
          // The Temporal CLI's JSON, the format every Temporal tool reads (historyFromJSON).
          const json = execFileSync(
            temporalCliPath(),
            ['workflow', 'show', '--workflow-id', workflowId, '--address', address, '--namespace', process.env.TEMPORAL_NAMESPACE ?? 'default', '--output', 'json'],
            { maxBuffer: 64 << 20 },
          );
          writeFileSync(file, json);
          console.log(`[histories] ${name}: ${outcome} -> ${file}`);
        }
      });
    } finally {
      await connection.close();
      await nativeConnection.close();
    }
  } finally {
    if (services) await stopServices(services);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[histories] ${e instanceof Error ? e.stack : String(e)}`);
    process.exit(1);
  },
);
