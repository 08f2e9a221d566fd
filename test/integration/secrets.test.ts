/**
 * No secret leaves the process: a password planted in TRINO_URL must not appear in any CLI
 * output, worker log, output file, or workflow history (failure messages and stacks are stored
 * there), whether the run succeeds, fails on bad input, or waits for an unreachable Trino.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { parseRunConfig } from '../../src/config/runConfig';
import { freePort } from '../../src/embedded/process';
import { segmentationWorkflow } from '../../src/workflows';
import { runCli } from '../helpers/cli';
import { temporalAddress } from '../helpers/temporal';
import { queryRows, trinoUrl } from '../helpers/trino';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

const PLANTED = `Pl4nted-${randomBytes(6).toString('hex')}`;
const SOURCE = 'memory.default.secret_customers';
const OUTPUT = 'memory.default.secret_segments';
const workers: WorkerProcess[] = [];
let connection: Connection | undefined;

after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await connection?.close();
});

/** `http://autoseg:<planted>@host:port` for a plain `http://host:port`. */
function withPassword(url: string): string {
  const u = new URL(url);
  u.username = 'autoseg';
  u.password = PLANTED;
  return u.toString().replace(/\/$/, '');
}

/** Every byte string in a history (payloads are JSON inside protobuf bytes) as text. */
function historyText(history: unknown): string {
  return JSON.stringify(history, (_k, v: unknown) => {
    if (v instanceof Uint8Array) return Buffer.from(v).toString('utf8');
    if (typeof v === 'bigint') return v.toString();
    return v;
  });
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((e) => {
    const p = join(dir, e);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

test('a password in TRINO_URL appears in no output, log, report or workflow history', async () => {
  await queryRows(`DROP TABLE IF EXISTS ${SOURCE}`);
  await queryRows(`CREATE TABLE ${SOURCE} AS SELECT custkey, acctbal, nationkey, mktsegment FROM tpch.tiny.customer`);
  connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection });
  const reports = mkdtempSync(join(tmpdir(), 'autoseg-secret-reports-'));
  const logDir = process.env.AUTOSEG_TEST_OUTPUT ?? tmpdir();
  const queue = `secrets-${Date.now()}`;
  const deadQueue = `secrets-dead-${Date.now()}`;
  const deadPort = await freePort();
  const deadUrl = withPassword(`http://127.0.0.1:${deadPort}`);
  const logs = [`secrets-worker-${process.pid}`, `secrets-dead-worker-${process.pid}`];
  workers.push(startWorkerProcess({ AUTOSEG_TASK_QUEUE: queue, TRINO_URL: withPassword(trinoUrl()), AUTOSEG_REPORT_DIR: reports }, logs[0]));
  workers.push(startWorkerProcess({ AUTOSEG_TASK_QUEUE: deadQueue, TRINO_URL: deadUrl, AUTOSEG_REPORT_DIR: reports }, logs[1]));

  const cliEnv = { TEMPORAL_ADDRESS: temporalAddress(), AUTOSEG_TASK_QUEUE: queue, TRINO_URL: withPassword(trinoUrl()) };
  const ok = await runCli(['run', '--source-table', SOURCE, '--user-id', 'custkey', '--output-table', OUTPUT, '--k', '3', '--run-key', `secret-ok-${Date.now()}`], cliEnv);
  assert.equal(ok.code, 0, ok.stderr);
  const bad = await runCli(['run', '--source-table', 'memory.default.no_such_table', '--user-id', 'custkey', '--output-table', OUTPUT, '--run-key', `secret-bad-${Date.now()}`], cliEnv);
  assert.equal(bad.code, 2, bad.stderr);
  const verbose = await runCli(
    ['run', '--verbose', '--source-table', 'memory.default.no_such_table', '--user-id', 'custkey', '--output-table', OUTPUT, '--run-key', `secret-bad-v-${Date.now()}`],
    cliEnv,
  );
  assert.equal(verbose.code, 2, verbose.stderr);

  // Trino unreachable: the run keeps retrying (a nightly job waits out an outage); each attempt's
  // failure names Trino and its address, without the password.
  const deadId = `secret-dead-${Date.now()}`;
  const handle = await client.workflow.start(segmentationWorkflow, {
    taskQueue: deadQueue,
    workflowId: deadId,
    args: [parseRunConfig({ source: { kind: 'table', table: SOURCE }, output: { kind: 'table', table: OUTPUT }, userId: 'custkey' })],
  });
  let lastFailure = '';
  const until = Date.now() + 30_000;
  while (Date.now() < until && !lastFailure) {
    const d = await handle.describe();
    const pending = d.raw.pendingActivities?.[0];
    if (pending && (pending.attempt ?? 0) >= 2 && pending.lastFailure?.message) lastFailure = pending.lastFailure.message;
    else await new Promise((r) => setTimeout(r, 250));
  }
  assert.match(lastFailure, /Trino/, `an unreachable warehouse is named: ${lastFailure}`);
  assert.match(lastFailure, new RegExp(`127\\.0\\.0\\.1:${deadPort}`), lastFailure);
  assert.equal((await handle.describe()).status.name, 'RUNNING', 'still retrying, not failed');
  await handle.cancel();
  // Cancelled before its write-back: the cleanup has nothing to do in the unreachable Trino.
  const t0 = Date.now();
  await handle.result().catch(() => undefined);
  assert.ok(Date.now() - t0 < 15_000, `the cancelled run ended in ${Date.now() - t0} ms`);

  await Promise.all(workers.splice(0).map((w) => w.kill('SIGTERM')));
  const texts: [string, string][] = [
    ['cli stdout/stderr', [ok, bad, verbose].map((r) => r.stdout + r.stderr).join('\n')],
    ['unreachable-Trino failure', lastFailure],
    ...logs.map((l): [string, string] => [`worker log ${l}`, readFileSync(join(logDir, `${l}.log`), 'utf8')]),
    ...filesUnder(reports).map((f): [string, string] => [f, readFileSync(f, 'utf8')]),
  ];
  const histories = await Promise.all(
    [...(await listIds(client, 'autoseg-secret-')), deadId].map(async (id) => [`history of ${id}`, historyText(await client.workflow.getHandle(id).fetchHistory())] as [string, string]),
  );
  texts.push(...histories);
  assert.ok(histories.length >= 4, `histories checked: ${histories.length}`);
  assert.ok(
    filesUnder(reports).some((f) => f.endsWith('summary.json')),
    'the successful run wrote its summary',
  );
  for (const [where, text] of texts) assert.ok(!text.includes(PLANTED), `the planted password appears in ${where}`);
  // The failures really were recorded (so the grep above looked at them).
  assert.ok(
    histories.some(([, t]) => /no_such_table/.test(t)),
    'the bad-input failure is in a history',
  );
});

async function listIds(client: Client, prefix: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query: `WorkflowId STARTS_WITH '${prefix}'` })) ids.push(w.workflowId);
  return ids;
}
