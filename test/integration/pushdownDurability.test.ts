/**
 * Durability in pushdown mode (engine trino). The rows stay in Trino, so the long steps are Trino
 * queries run on the worker's behalf: the Lloyd refinement's aggregates (cluster stage) and the
 * write-back's CREATE TABLE AS into the staging table. Whatever dies under them, the worker
 * (SIGKILLed) or Trino (stopped and started again), the run completes with the table an
 * undisturbed run writes, and a reader polling the output table throughout only ever finds the
 * previous complete table or the new complete one: a CREATE TABLE AS cut half-way never shows
 * under the target's name.
 *
 * One undisturbed pushdown run (same source, config and seed) is the reference of both tests,
 * and the previous run whose table the disturbed runs replace. Segment numbers are matched to the
 * previous model, and every step is deterministic (seeded sample and k-means, exact sums in
 * Trino), so every customer must get the reference's segment and label.
 *
 * The kill test writes to the memory catalog (rename swap: the target is absent for one metadata
 * call); the restart test needs tables that survive a restart, and writes to Iceberg (CREATE OR
 * REPLACE swap: the target is never missing), reading tpch, which Trino generates on the fly.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { parseRunConfig } from '../../src/config/runConfig';
import { SIDE_TABLES } from '../../src/warehouse/run-side-tables';
import { modelSelect } from '../../src/warehouse/sql-model/modelSelect';
import { segmentationWorkflow } from '../../src/workflows';
import { progressQuery, type RunProgress } from '../../src/workflows/progress';
import { startTrino, type TrinoServer } from '../../scripts/services/trino';
import { activityAttempts, pendingActivities, temporalAddress } from '../helpers/temporal';
import { queryRows, runningQueries, trinoUrl } from '../helpers/trino';
import { startWorkerProcess, type WorkerProcess } from '../helpers/workerProcess';

const SOURCE = 'tpch.sf1.customer';
const ROWS = 150_000;
/** The reference run's output (the kill test's previous table) and a copy of it. */
const KILL_OUTPUT = 'memory.default.pd_kill_segments';
const TRUTH = 'memory.default.pd_kill_truth';
/** The restart test's output, in its own Trino. */
const RESTART_SCHEMA = 'iceberg.pd_restart';
const RESTART_OUTPUT = `${RESTART_SCHEMA}.segments`;

/** The text every Lloyd step of the refinement starts with (lloydSelect.ts), and the staging CREATE TABLE AS of `output`. */
const LLOYD_STEP = '-- autoseg: one full-table Lloyd step%';
const stagingCtas = (output: string): string => `CREATE TABLE %${output.split('.').pop()!.replace(/_/g, '\\_')}\\_\\_stage\\_%`;

const config = (output: string) =>
  parseRunConfig({
    source: { kind: 'table', table: SOURCE },
    output: { kind: 'table', table: output },
    userId: 'custkey',
    seed: 5,
    engine: 'trino',
    trainingSampleSize: 20_000,
    // Fewer k to score and k-means++ restarts than the defaults: the worker's share of each run is small.
    kRange: { min: 3, max: 5 },
    nInit: 4,
    // Free text: excluded anyway as identifiers, but their exact distinct counts would cost every profile seconds.
    exclude: ['name', 'address', 'phone', 'comment'],
  });

let connection: Connection;
let client: Client;
const workers: WorkerProcess[] = [];
const readers: Reader[] = [];

before(async () => {
  connection = await Connection.connect({ address: temporalAddress() });
  client = new Client({ connection });
  // The restart test's Trino starts up while the reference run goes on.
  void startOwnTrino().catch(() => undefined);
});

after(async () => {
  await Promise.all(readers.map((r) => r.stop()));
  await Promise.all(workers.map((w) => w.kill()));
  await ownTrino?.then(
    (t) => t.stop(),
    () => undefined,
  );
  rmSync(ownTrinoDir, { recursive: true, force: true });
  await connection?.close();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (since: number): string => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function worker(taskQueue: string, name: string, env: NodeJS.ProcessEnv = {}): WorkerProcess {
  const w = startWorkerProcess({ AUTOSEG_TASK_QUEUE: taskQueue, ...env }, name);
  workers.push(w);
  return w;
}

/** Polls `probe` every `everyMs` until it gives a value; fails after `timeoutMs`. */
async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, everyMs = 50, timeoutMs = 300_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    await sleep(everyMs);
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** True once the run is in `stage` (a query waits for a worker to answer: bounded, one may just have been killed). */
async function inStage(handle: WorkflowHandle, stage: RunProgress['stage']): Promise<true | undefined> {
  const p = await Promise.race([handle.query(progressQuery), sleep(3_000).then(() => undefined)]);
  return p?.stage === stage ? true : undefined;
}

/** The run's pending activity just after its worker was killed: `type`, on its first attempt; its last heartbeat, as the server recorded it. */
async function killedActivity(handle: WorkflowHandle, type: string): Promise<string> {
  const pending = (await pendingActivities(handle)).find((p) => p.type === type);
  assert.equal(pending?.attempt, 1, `${type} was running, on its first attempt`);
  return `${type}'s last heartbeat ${JSON.stringify(pending.details)}`;
}

interface Reader {
  /** From now on, poll every 50 ms (before: every 500 ms, the target cannot change before the write stage). */
  fast(): void;
  /** Stops polling; what it found, by kind, and how often. */
  stop(): Promise<Map<string, number>>;
}

/**
 * A reader polling `table` until stopped (at the latest by `after`). A table reads as `<rows> rows
 * of <run id(s)>`; `missing` when it does not exist; `unreachable` while Trino is down or starting.
 */
function pollTable(table: string, server: string): Reader {
  const seen = new Map<string, number>();
  let polling = true;
  let everyMs = 500;
  const done = (async () => {
    while (polling) {
      let key: string;
      try {
        const [[n, lo, hi]] = await queryRows(`SELECT count(*), min(run_id), max(run_id) FROM ${table}`, server);
        key = `${String(n)} rows of ${lo === hi ? String(lo) : `${String(lo)}..${String(hi)}`}`;
      } catch (err) {
        const name = (err as { errorName?: string }).errorName;
        const text = String(err);
        // A read racing the rename swap's DROP fails inside the memory connector (TableInfo ... is null,
        // or a bare "Internal error"): the table is absent too.
        if (name === 'TABLE_NOT_FOUND' || /does not exist|TableInfo|Trino: Internal error\n/.test(text)) key = 'missing';
        // A read caught by Trino's own shutdown fails inside it (SERVER_SHUTTING_DOWN, or a split
        // source's task rejected by an executor already terminated): the server is going away.
        else if (
          name === 'SERVER_STARTING_UP' ||
          name === 'NO_NODES_AVAILABLE' ||
          name === 'SERVER_SHUTTING_DOWN' ||
          /rejected from java\.util\.concurrent\.ThreadPoolExecutor@\w+\[Terminated/.test(text) ||
          (name === undefined && /ECONNREFUSED|ECONNRESET|socket hang up|status code 50[23]/.test(text))
        )
          key = 'unreachable';
        else key = `error: ${text.slice(0, 300)}`;
      }
      seen.set(key, (seen.get(key) ?? 0) + 1);
      await sleep(everyMs);
    }
  })();
  const reader: Reader = {
    fast: () => {
      everyMs = 50;
    },
    stop: async () => {
      polling = false;
      await done;
      return seen;
    },
  };
  readers.push(reader);
  return reader;
}

/** The reader found only complete tables, of the previous run or of this one, and `missing` only if allowed. */
function assertReader(seen: Map<string, number>, previousRun: string, runId: string, allowMissing: boolean): void {
  const allowed = [`${ROWS} rows of ${previousRun}`, `${ROWS} rows of ${runId}`, 'unreachable', ...(allowMissing ? ['missing'] : [])];
  for (const key of seen.keys()) assert.ok(allowed.includes(key), `the reader found ${key}`);
  assert.ok((seen.get(allowed[0]) ?? 0) > 10, 'the reader read the previous table while the run went on');
  assert.ok((seen.get(allowed[1]) ?? 0) > 0, 'the reader read the new table');
}

/** Tables left beside `output` and its model: staging, old copies, the lock. */
async function leftovers(output: string, server: string): Promise<string[]> {
  const [catalog, schema, name] = output.split('.');
  const rows = await queryRows(
    `SELECT table_name FROM ${catalog}.information_schema.tables WHERE table_schema = '${schema}' AND (table_name LIKE '${name}\\_\\_%' ESCAPE '\\' OR table_name LIKE '${name}\\_%\\_\\_%' ESCAPE '\\')`,
    server,
  );
  return rows.map((r) => String(r[0])).sort();
}

/** custkey -> `segment label` of a segment table. */
async function segmentsOf(table: string, server: string): Promise<Map<number, string>> {
  const rows = await queryRows(`SELECT custkey, segment, segment_label FROM ${table}`, server);
  return new Map(rows.map(([id, segment, label]) => [Number(id), `${String(segment)} ${String(label)}`]));
}

/** The disturbed run's output: whole, of this run only, model included, the reference's segments, nothing left beside it. */
async function assertOutput(output: string, runId: string, server: string): Promise<void> {
  const [[rows, ids, runs, run]] = await queryRows(`SELECT count(*), count(DISTINCT custkey), count(DISTINCT run_id), max(run_id) FROM ${output}`, server);
  assert.deepEqual([rows, ids, runs, run], [ROWS, ROWS, 1, runId], 'the disturbed run replaced the table, whole');
  const [[modelRows, modelRun]] = await queryRows(`SELECT count(*), max(run_id) FROM ${output}_model`, server);
  assert.deepEqual([modelRows, modelRun], [1, runId], 'the model table holds the same run');
  for (const side of SIDE_TABLES) {
    const [[sideRuns, sideRun]] = await queryRows(`SELECT count(DISTINCT run_id), max(run_id) FROM ${output}_${side}`, server);
    assert.deepEqual([sideRuns, sideRun], [1, runId], `${output}_${side} holds the same run`);
  }
  const [[moved]] = await queryRows(`SELECT sum(customers) FROM ${output}_moves`, server);
  assert.equal(Number(moved), ROWS, 'T_moves counts every customer once');
  // The reference is read from the shared Trino: the restart test's output is in its own.
  const [got, want] = await Promise.all([segmentsOf(output, server), segmentsOf(TRUTH, trinoUrl())]);
  const differ = [...want].filter(([id, s]) => got.get(id) !== s);
  assert.deepEqual(
    [got.size, differ.length],
    [ROWS, 0],
    `every customer has the undisturbed run's segment and label; e.g. ${differ
      .slice(0, 3)
      .map(([id, s]) => `${id}: ${s} vs ${got.get(id)}`)
      .join(', ')}`,
  );
  assert.deepEqual(await leftovers(output, server), [], 'no staging, old or lock table left');
}

/** The kill test's task queue; the reference run's worker serves it and is the first one killed. */
const KILL_QUEUE = `pd-kill-${process.pid}-${Date.now()}`;
let referenceWorker: WorkerProcess | undefined;

/**
 * The undisturbed pushdown run, once for both tests: into KILL_OUTPUT (the kill test's previous
 * table), copied to TRUTH (+ model). Returns its run id.
 */
let reference: Promise<string> | undefined;
function referenceRun(): Promise<string> {
  reference ??= (async () => {
    for (const t of [KILL_OUTPUT, `${KILL_OUTPUT}_model`, TRUTH, `${TRUTH}_model`]) await queryRows(`DROP TABLE IF EXISTS ${t}`);
    referenceWorker = worker(KILL_QUEUE, 'pd-kill-worker-1');
    const workflowId = `pd-ref-${Date.now()}`;
    const t0 = Date.now();
    const summary = await client.workflow.execute(segmentationWorkflow, { taskQueue: KILL_QUEUE, workflowId, args: [config(KILL_OUTPUT)] });
    assert.equal(summary.engine?.mode, 'trino');
    assert.equal(summary.rows, ROWS);
    // How long the kill test has to catch a Lloyd step running (one query per iteration, and one for the final sizes).
    const [[steps, stepMs]] = await queryRows(`SELECT count(*), max(date_diff('millisecond', created, "end")) FROM system.runtime.queries WHERE query LIKE '${LLOYD_STEP}'`);
    console.log(
      `reference pushdown run: ${seconds(t0)}, k = ${summary.k}, ${String(steps)} Lloyd steps of up to ${String(stepMs)} ms; ${summary.timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(1)} s`).join(', ')}`,
    );
    await queryRows(`CREATE TABLE ${TRUTH} AS SELECT * FROM ${KILL_OUTPUT}`);
    await queryRows(`CREATE TABLE ${TRUTH}_model AS SELECT * FROM ${KILL_OUTPUT}_model`);
    return workflowId;
  })();
  return reference;
}

/** The restart test's Trino, its own so that stopping it disturbs nothing else (started once, by `before`). */
const ownTrinoDir = mkdtempSync(join(tmpdir(), 'autoseg-pd-restart-'));
let ownTrino: Promise<TrinoServer> | undefined;
function startOwnTrino(): Promise<TrinoServer> {
  ownTrino ??= startTrino(ownTrinoDir);
  return ownTrino;
}

/** Test 1: the worker SIGKILLed twice, while Trino runs a Lloyd step for it and while it runs its staging CREATE TABLE AS. */
async function killedWorkers(): Promise<void> {
  const t0 = Date.now();
  const previousRun = await referenceRun();
  const t1 = Date.now();
  const reader = pollTable(KILL_OUTPUT, trinoUrl());
  const taskQueue = KILL_QUEUE;
  let current = referenceWorker!;
  const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: `pd-kill-${Date.now()}`, args: [config(KILL_OUTPUT)] });

  // Kill 1: in the cluster stage, while Trino runs one of the refinement's Lloyd steps for the worker.
  await waitFor('the cluster stage', () => inStage(handle, 'cluster'), 250);
  const lloyd = await waitFor('a running Lloyd step', async () => (await runningQueries(LLOYD_STEP)).at(0));
  await current.kill('SIGKILL');
  current = worker(taskQueue, 'pd-kill-worker-2');
  console.log(`[kill] worker 1 killed at ${seconds(t1)} while Lloyd step ${lloyd.queryId} ran; ${await killedActivity(handle, 'fitSegments')}`);

  // Kill 2: in the write stage, while Trino runs the CREATE TABLE AS into the staging table.
  await waitFor('the write stage', () => inStage(handle, 'write'), 250);
  reader.fast();
  const ctas = await waitFor('a running CREATE TABLE AS', async () => (await runningQueries(stagingCtas(KILL_OUTPUT))).at(0));
  await current.kill('SIGKILL');
  current = worker(taskQueue, 'pd-kill-worker-3');
  console.log(`[kill] worker 2 killed at ${seconds(t1)} while ${ctas.queryId} ran (${/CREATE TABLE (\S+)/.exec(ctas.query)?.[1]}); ${await killedActivity(handle, 'writeSegments')}`);

  const summary = await handle.result();
  const seen = await reader.stop();
  await current.kill('SIGTERM');
  const attempts = await activityAttempts(handle);
  console.log(`[kill] disturbed run: ${seconds(t1)}; attempts ${JSON.stringify(Object.fromEntries(attempts))}; the reader found ${JSON.stringify(Object.fromEntries(seen))}; test ${seconds(t0)}`);

  assert.equal(summary.rows, ROWS);
  assert.equal(attempts.get('fitSegments'), 2, 'the cluster stage was taken over by the next worker');
  assert.equal(attempts.get('writeSegments'), 2, 'the write-back was taken over by the next worker');
  await assertOutput(KILL_OUTPUT, handle.workflowId, trinoUrl());
  assertReader(seen, previousRun, handle.workflowId, true);
}

/** A SQL string literal. */
const lit = (v: unknown): string => `'${String(v).replace(/'/g, "''")}'`;

/**
 * The reference run's pair as its write-back would have made it in `server`: the model row, and
 * the segments by the model's SELECT over the same source (what a pushdown write-back stages).
 */
async function seedReference(target: string, server: string): Promise<void> {
  const [[run, created, model]] = await queryRows(`SELECT run_id, CAST(created_at AS varchar), model FROM ${TRUTH}_model`);
  const select = modelSelect(JSON.parse(String(model)), { table: SOURCE }, { userId: 'custkey' });
  const runColumns = `CAST(${lit(run)} AS varchar) AS run_id, CAST(${lit(created)} AS timestamp(3)) AS created_at`;
  await queryRows(`CREATE TABLE ${target} AS SELECT s.*, ${runColumns} FROM (\n${select}\n) AS s`, server);
  await queryRows(`CREATE TABLE ${target}_model AS SELECT ${runColumns}, CAST(${lit(model)} AS varchar) AS model`, server);
}

/** Test 2: Trino stopped while it runs the staging CREATE TABLE AS, and started again. */
async function restartedTrino(): Promise<void> {
  const t0 = Date.now();
  const previousRun = await referenceRun();
  let trino = await startOwnTrino();
  const server = trino.url;
  const port = Number(new URL(server).port);
  const taskQueue = `pd-restart-${Date.now()}`;
  const w = worker(taskQueue, 'pd-restart-worker', { TRINO_URL: server });
  // Yesterday's output: the reference run's pair, as it would have written it here.
  await queryRows(`CREATE SCHEMA IF NOT EXISTS ${RESTART_SCHEMA}`, server);
  await seedReference(RESTART_OUTPUT, server);
  const t1 = Date.now();
  console.log(`[restart] own Trino and the previous table ready: ${seconds(t0)}`);

  const reader = pollTable(RESTART_OUTPUT, server);
  const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: `pd-restart-${Date.now()}`, args: [config(RESTART_OUTPUT)] });
  await waitFor('the write stage', () => inStage(handle, 'write'), 250);
  reader.fast();
  const ctas = await waitFor('a running CREATE TABLE AS', async () => (await runningQueries(stagingCtas(RESTART_OUTPUT), server)).at(0));
  const stopping = Date.now();
  // Mid-query: the CREATE TABLE AS dies with the server, the worker's next page request is refused.
  // SIGTERM, then SIGKILL after 2 s: a slow shutdown would only push the retry that finds Trino up again a backoff step later.
  await trino.process.stop(2_000);
  const stopped = Date.now();
  ownTrino = startTrino(ownTrinoDir, { port }); // same directory, same port: the Iceberg tables are still there
  trino = await ownTrino;
  console.log(`[restart] Trino stopped at ${seconds(t1)} while ${ctas.queryId} ran (in ${((stopped - stopping) / 1000).toFixed(1)} s), up again after ${seconds(stopped)}`);

  const summary = await handle.result();
  const seen = await reader.stop();
  await w.kill('SIGTERM');
  const attempts = await activityAttempts(handle);
  console.log(`[restart] disturbed run: ${seconds(t1)}; attempts ${JSON.stringify(Object.fromEntries(attempts))}; the reader found ${JSON.stringify(Object.fromEntries(seen))}; test ${seconds(t0)}`);

  assert.equal(summary.rows, ROWS);
  assert.ok((attempts.get('writeSegments') ?? 0) >= 2, 'the write-back was retried');
  await assertOutput(RESTART_OUTPUT, handle.workflowId, server);
  assertReader(seen, previousRun, handle.workflowId, false);
}

// Side by side, after the reference run they share: each spends much of its time waiting
// (heartbeat timeouts; a Trino restart and the retry backoff), on its own task queue and Trino.
describe('pushdown durability', { concurrency: 2 }, () => {
  test('pushdown: a worker SIGKILLed during the Lloyd refinement in Trino, and again during the CREATE TABLE AS, is replaced; the table equals an undisturbed run', killedWorkers);
  test("pushdown: Trino stopped while the write-back's CREATE TABLE AS runs, then started again: the run completes; the Iceberg target is never missing nor partial", restartedTrino);
});
