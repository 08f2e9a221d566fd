import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { parseRunConfig } from '../../src/config/runConfig';
import { segmentationWorkflow } from '../../src/workflows';
import { progressQuery, type RunProgress } from '../../src/workflows/progress';
import { temporalAddress } from '../helpers/temporal';
import { queryRows } from '../helpers/trino';
import { buildTpchCustomers } from '../helpers/tpch';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

const SOURCE = 'memory.default.durable_customers';
const OUTPUT = 'memory.default.durable_segments';
const TRUTH = 'memory.default.durable_truth';
const config = (output: string) => parseRunConfig({ source: { kind: 'table', table: SOURCE }, output: { kind: 'table', table: output }, userId: 'custkey', seed: 5 });

let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];

before(async () => {
  assert.equal(await buildTpchCustomers(SOURCE), 150_000);
  for (const t of [OUTPUT, `${OUTPUT}_model`, TRUTH, `${TRUTH}_model`]) await queryRows(`DROP TABLE IF EXISTS ${t}`);
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection });
});

after(async () => {
  await Promise.all(workers.map((w) => w.kill()));
  await connection?.close();
});

function worker(taskQueue: string, name: string): WorkerProcess {
  const w = startWorkerProcess({ AUTOSEG_TASK_QUEUE: taskQueue }, name);
  workers.push(w);
  return w;
}

async function waitForStage(handle: WorkflowHandle, stage: RunProgress['stage'], timeoutMs = 180_000): Promise<RunProgress> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // A query waits for a worker to answer it: bound it, the worker may just have been killed.
    const p = await Promise.race([handle.query(progressQuery), new Promise<undefined>((r) => setTimeout(() => r(undefined), 3_000))]).catch(() => undefined);
    if (p && p.stage === stage) return p;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run never reached stage ${stage}`);
}

test('a worker SIGKILLed during the k scores and again during write-back is replaced; the table equals an undisturbed run', async () => {
  // The undisturbed reference run, on its own task queue and output.
  const refQueue = `durable-ref-${Date.now()}`;
  const refWorker = worker(refQueue, 'worker-ref');
  await client.workflow.execute(segmentationWorkflow, { taskQueue: refQueue, workflowId: `durable-ref-${Date.now()}`, args: [config(TRUTH)] });
  await refWorker.kill('SIGTERM');
  // Yesterday's output: the disturbed run replaces it, so the reader below always has a table to read.
  await queryRows(`CREATE TABLE ${OUTPUT} AS SELECT * FROM ${TRUTH}`);
  await queryRows(`CREATE TABLE ${OUTPUT}_model AS SELECT * FROM ${TRUTH}_model`);

  // A reader polls the output table for the whole disturbed run.
  const seen = new Map<string, number>();
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const key = await queryRows(`SELECT count(*), count(DISTINCT custkey) FROM ${OUTPUT}`).then(
        ([[n, d]]) => `${n}/${d}`,
        () => 'absent',
      );
      seen.set(key, (seen.get(key) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  const taskQueue = `durable-${Date.now()}`;
  let current = worker(taskQueue, 'worker-1');
  const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: `durable-${Date.now()}`, args: [config(OUTPUT)] });
  const atScore = await waitForStage(handle, 'score');
  await current.kill('SIGKILL');
  current = worker(taskQueue, 'worker-2');
  const atWrite = await waitForStage(handle, 'write');
  await new Promise((r) => setTimeout(r, 300)); // let the write-back get going
  await current.kill('SIGKILL');
  current = worker(taskQueue, 'worker-3');
  const summary = await handle.result();
  polling = false;
  await poller;
  await current.kill('SIGTERM');
  console.log(`killed at: ${atScore.stage} (${atScore.kScored}/${atScore.kTotal} k scored), ${atWrite.stage}; reader saw ${JSON.stringify(Object.fromEntries(seen))}`);

  assert.equal(summary.rows, 150_000);
  const [[rows, distinct]] = await queryRows(`SELECT count(*), count(DISTINCT custkey) FROM ${OUTPUT}`);
  assert.deepEqual([rows, distinct], [150_000, 150_000]);
  const [[differences]] = await queryRows(
    `SELECT count(*) FROM ${OUTPUT} o FULL JOIN ${TRUTH} t ON o.custkey = t.custkey WHERE o.segment IS DISTINCT FROM t.segment OR o.segment_label IS DISTINCT FROM t.segment_label`,
  );
  assert.equal(differences, 0, 'same segments and labels as the undisturbed run');
  for (const key of seen.keys()) assert.ok(key === 'absent' || key === '150000/150000', `the reader saw a partial table: ${key}`);
  assert.ok((seen.get('150000/150000') ?? 0) > 10, 'the reader read the table throughout the run');
  const [[runId]] = await queryRows(`SELECT DISTINCT run_id FROM ${OUTPUT}`);
  assert.equal(runId, handle.workflowId, 'the disturbed run replaced the table');
});
