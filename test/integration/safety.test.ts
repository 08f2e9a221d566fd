/**
 * Data safety at the workflow level, against the real Temporal and Trino: a cancelled run never
 * replaces the table, concurrent runs leave exactly the newest run's output, a failed run leaves
 * no stage data, and input-caused failures fail at once, naming the file or table.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ActivityFailure, ApplicationFailure, CancelledFailure, WorkflowFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { parseRunConfig, type RunConfigInput } from '../../src/config/runConfig';
import { StageStore } from '../../src/stage';
import { segmentationWorkflow } from '../../src/workflows';
import { progressQuery, type RunProgress } from '../../src/workflows/progress';
import { runCli } from '../helpers/cli';
import { startWorkerProcess } from '../helpers/workerProcess';
import { temporalAddress, withWorker } from '../helpers/temporal';
import { queryRows, trinoUrl } from '../helpers/trino';

const BIG = 'memory.default.safety_big';
const SMALL = 'memory.default.safety_small';
const OUT = 'memory.default.safety_out';
const quick = { userId: 'custkey', kRange: { min: 2, max: 4 }, sampleSize: 1000, nInit: 2 } as const;
const files = mkdtempSync(join(tmpdir(), 'autoseg-safety-'));
const fileAccess = { kind: 'roots', roots: [files] } as const;

before(async () => {
  // Plain columns straight from TPC-H: quick to build, 150,000 and 1,500 customers.
  for (const [t, schema] of [
    [BIG, 'sf1'],
    [SMALL, 'tiny'],
  ] as const) {
    await queryRows(`DROP TABLE IF EXISTS ${t}`);
    await queryRows(`CREATE TABLE ${t} AS SELECT custkey, acctbal, nationkey, mktsegment FROM tpch.${schema}.customer`);
  }
});

after(() => undefined);

async function dropOutputs(table: string): Promise<void> {
  for (const t of [table, `${table}_model`]) await queryRows(`DROP TABLE IF EXISTS ${t}`);
}

/** Tables in memory.default whose name starts with `prefix` and holds a leftover marker. */
async function leftovers(prefix: string): Promise<string[]> {
  const rows = await queryRows(`SELECT table_name FROM memory.information_schema.tables WHERE table_schema = 'default' AND table_name LIKE '${prefix}%'`);
  return rows.map((r) => String(r[0])).filter((n) => /__(stage|old|autoseg_lock)/.test(n));
}

async function runIdsOf(table: string): Promise<string[]> {
  return (await queryRows(`SELECT DISTINCT run_id FROM ${table}`)).map((r) => String(r[0])).sort();
}

async function waitForStage(handle: WorkflowHandle, stage: RunProgress['stage'], timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const p = await handle.query(progressQuery).catch(() => undefined);
    if (p?.stage === stage) return;
    if (p && (p.stage === 'failed' || p.stage === 'done')) throw new Error(`run ended (${p.stage}) before stage ${stage}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`run never reached stage ${stage}`);
}

function stageDirOf(runId: string): string {
  return dirname(new StageStore().pathOf(runId, 'extract', 'table'));
}

test('a run cancelled during write-back leaves the previous table and model, no staging table and no stage data', async () => {
  await dropOutputs(OUT);
  await withWorker('safety-cancel', async ({ client, taskQueue }) => {
    const first = `safety-old-${Date.now()}`;
    await client.workflow.execute(segmentationWorkflow, {
      taskQueue,
      workflowId: first,
      args: [parseRunConfig({ ...quick, k: 3, source: { kind: 'table', table: BIG }, output: { kind: 'table', table: OUT } })],
    });
    const second = `safety-cancelled-${Date.now()}`;
    const handle = await client.workflow.start(segmentationWorkflow, {
      taskQueue,
      workflowId: second,
      args: [parseRunConfig({ ...quick, k: 5, seed: 9, source: { kind: 'table', table: BIG }, output: { kind: 'table', table: OUT } })],
    });
    await waitForStage(handle, 'write');
    await new Promise((r) => setTimeout(r, 300)); // well inside the ~3 s of inserts into the staging table
    await handle.cancel();
    const err = await handle.result().then(
      () => assert.fail('the cancelled run completed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, `cancelled: ${String(err)}`);
    assert.deepEqual(await runIdsOf(OUT), [first], 'the segment table is still the previous run');
    assert.deepEqual(await runIdsOf(`${OUT}_model`), [first], 'the model is still the previous run');
    const [[rows]] = await queryRows(`SELECT count(*) FROM ${OUT}`);
    assert.equal(Number(rows), 150_000);
    assert.deepEqual(await leftovers('safety_out'), []);
    assert.equal(existsSync(stageDirOf(second)), false, "the cancelled run's stage data is removed");
  });
});

test('a run cancelled during its final clustering stops at once: the thread job is stopped, not waited for', async () => {
  await withWorker('safety-cancel-cluster', async ({ client, taskQueue }) => {
    // Many restarts without tolerance on 150,000 rows: the clustering would run for a long while.
    const config = parseRunConfig({ ...quick, k: 12, nInit: 200, tol: 0, maxIter: 1000, source: { kind: 'table', table: BIG }, output: { kind: 'table', table: `${OUT}_never` } });
    const id = `safety-cancel-cluster-${Date.now()}`;
    const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: id, args: [config] });
    await waitForStage(handle, 'cluster');
    await new Promise((r) => setTimeout(r, 1000));
    const t0 = Date.now();
    await handle.cancel();
    const err = await handle.result().then(
      () => assert.fail('the cancelled run completed'),
      (e: unknown) => e,
    );
    const ms = Date.now() - t0;
    assert.ok(err instanceof WorkflowFailedError && err.cause instanceof CancelledFailure, String(err));
    // The workflow waits for the activity to acknowledge the cancel: only a stopped thread job lets it end this soon.
    assert.ok(ms < 10_000, `cancelled in ${ms} ms`);
    console.log(`# cancel during cluster took effect in ${ms} ms`);
    assert.equal(existsSync(stageDirOf(id)), false);
    // The pool is usable afterwards: the next run on this worker completes.
    const after = await client.workflow.execute(segmentationWorkflow, {
      taskQueue,
      workflowId: `${id}-next`,
      args: [parseRunConfig({ ...quick, k: 3, source: { kind: 'table', table: SMALL }, output: { kind: 'table', table: `${OUT}_next` } })],
    });
    assert.equal(after.k, 3);
  });
});

test("two runs writing one table: the newest run's complete output stays; the older one fails as superseded (exit 1), nothing left behind", async () => {
  await dropOutputs(OUT);
  // The older run reads 150,000 customers on a worker process of its own (its thread pool is
  // not shared), the newer one 1,500 here: the newer writes first, and the older must then not
  // replace it.
  const olderQueue = `safety-older-${Date.now()}`;
  const olderWorker = startWorkerProcess({ AUTOSEG_TASK_QUEUE: olderQueue }, `safety-older-worker-${process.pid}`);
  try {
    await withWorker('safety-race', async ({ client, taskQueue }) => {
      const env = { TEMPORAL_ADDRESS: temporalAddress(), TRINO_URL: trinoUrl(), AUTOSEG_TASK_QUEUE: olderQueue };
      const olderKey = `older-${Date.now()}`;
      const older = runCli(['run', '--source-table', BIG, '--user-id', 'custkey', '--output-table', OUT, '--k', '3', '--run-key', olderKey], env);
      const olderHandle = client.workflow.getHandle(`autoseg-${olderKey}`);
      await waitForStage(olderHandle, 'extract');
      const newerId = `safety-newer-${Date.now()}`;
      await client.workflow.execute(segmentationWorkflow, {
        taskQueue,
        workflowId: newerId,
        args: [parseRunConfig({ ...quick, k: 4, source: { kind: 'table', table: SMALL }, output: { kind: 'table', table: OUT } })],
      });
      const newerDone = Date.now();
      const r = await older;
      const olderWrite = (await olderHandle.query(progressQuery).catch(() => undefined))?.completed.find((c) => c.stage === 'write');
      assert.equal(olderWrite, undefined, `precondition: the older run had not written before the newer finished (${newerDone})`);
      assert.equal(r.code, 1, `the superseded run exits 1, not 2: ${r.stderr}`);
      assert.match(r.stderr, /newer run/);
      assert.match(r.stderr, new RegExp(newerId));
      assert.deepEqual(await runIdsOf(OUT), [newerId]);
      assert.deepEqual(await runIdsOf(`${OUT}_model`), [newerId]);
      const [[rows]] = await queryRows(`SELECT count(*) FROM ${OUT}`);
      assert.equal(Number(rows), 1500);
      assert.deepEqual(await leftovers('safety_out'), []);
      assert.equal(existsSync(stageDirOf(`autoseg-${olderKey}`)), false, "the superseded run's stage data is removed");
    });
  } finally {
    await olderWorker.kill('SIGTERM');
  }
});

test('a failed run removes its stage data (kept with keepStage)', async () => {
  await withWorker('safety-cleanup', async ({ client, taskQueue }) => {
    for (const keepStage of [false, true]) {
      const id = `safety-fail-${keepStage}-${Date.now()}`;
      // Fails in engineering, after extract has staged every row.
      const config = parseRunConfig({ ...quick, keepStage, priority: { high: ['lifetime_value'] }, source: { kind: 'table', table: SMALL }, output: { kind: 'table', table: `${OUT}_never` } });
      await assert.rejects(
        client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: id, args: [config] }),
        (e: unknown) => e instanceof WorkflowFailedError && e.cause instanceof ActivityFailure && /lifetime_value/.test(e.cause.cause?.message ?? ''),
      );
      assert.equal(existsSync(stageDirOf(id)), keepStage, `keepStage=${keepStage}`);
      if (keepStage) await new StageStore().remove(id);
    }
  });
});

/** Runs the workflow and returns its non-retryable failure and how long it took. */
async function failure(client: Client, taskQueue: string, input: RunConfigInput): Promise<{ f: ApplicationFailure; ms: number }> {
  const t0 = Date.now();
  const err = await client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `safety-bad-${Date.now()}-${Math.random()}`, args: [parseRunConfig(input)] }).then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e,
  );
  const ms = Date.now() - t0;
  assert.ok(err instanceof WorkflowFailedError);
  assert.ok(err.cause instanceof ActivityFailure, `an activity failed: ${String(err.cause)}`);
  assert.equal(err.cause.retryState, RetryState.NON_RETRYABLE_FAILURE, `failed at once, not retried: ${err.cause.cause?.message}`);
  assert.ok(err.cause.cause instanceof ApplicationFailure);
  return { f: err.cause.cause, ms };
}

test('input-caused failures are non-retryable, name the file or table, and fail in under 15 s', async () => {
  const out = (name: string, setup?: (dir: string) => void): string => {
    const dir = join(files, name);
    mkdirSync(dir, { recursive: true });
    setup?.(dir);
    return dir;
  };
  const source = (name: string, text: string): string => {
    writeFileSync(join(files, name), text);
    return join(files, name);
  };
  const good = source('good.csv', 'custkey,spend,visits\n' + Array.from({ length: 60 }, (_, i) => `${i + 1},${(i * 37) % 101},${i % 7}`).join('\n') + '\n');
  const table = { kind: 'table', table: SMALL } as const;
  const cases: [string, Pick<RunConfigInput, 'source' | 'output'>, string, RegExp][] = [
    [
      'a corrupt previous model.json',
      {
        source: { kind: 'file', path: good },
        output: {
          kind: 'dir',
          dir: out('corrupt', (d) => {
            writeFileSync(join(d, 'model.json'), '{"featureColumns": [tru');
            writeFileSync(join(d, 'segments.csv'), 'custkey,segment\n1,0\n');
          }),
        },
      },
      'PreviousOutputError',
      /corrupt\/model\.json is not valid JSON/,
    ],
    [
      'an output keyed by another user id',
      { source: { kind: 'file', path: good }, output: { kind: 'dir', dir: out('other-id', (d) => writeFileSync(join(d, 'segments.csv'), 'email,segment,segment_label\na@b.c,0,x\n')) } },
      'PreviousOutputError',
      /other-id.*keyed by email, not by the user id custkey/,
    ],
    [
      'an output directory of unrelated files',
      { source: { kind: 'file', path: good }, output: { kind: 'dir', dir: out('foreign', (d) => writeFileSync(join(d, 'thesis.docx'), 'x')) } },
      'FileAccessError',
      /foreign.*thesis\.docx/,
    ],
    ['an empty file', { source: { kind: 'file', path: source('empty.csv', '') }, output: { kind: 'dir', dir: out('o1') } }, 'WarehouseInputError', /empty\.csv is empty/],
    ['a ragged CSV', { source: { kind: 'file', path: source('ragged.csv', 'custkey,a,b\n1,2,3\n2,3\n') }, output: { kind: 'dir', dir: out('o2') } }, 'WarehouseInputError', /ragged\.csv is ragged/],
    ["a file outside the worker's roots", { source: { kind: 'file', path: '/etc/passwd' }, output: { kind: 'dir', dir: out('o3') } }, 'FileAccessError', /\/etc\/passwd refused/],
    ['an output directory outside the roots', { source: { kind: 'file', path: good }, output: { kind: 'dir', dir: '/' } }, 'FileAccessError', /output directory \/ refused/],
    ['a read-only output catalog', { source: table, output: { kind: 'table', table: 'tpch.tiny.segments' } }, 'WarehouseInputError', /tpch\.tiny\.segments/],
    ['a missing output schema', { source: table, output: { kind: 'table', table: 'memory.no_such_schema.segments' } }, 'WarehouseInputError', /no_such_schema/],
    ['a $ in the output table name', { source: table, output: { kind: 'table', table: 'memory.default.seg$x' } }, 'WarehouseInputError', /seg\$x/],
  ];
  await withWorker(
    'safety-bad',
    async ({ client, taskQueue }) => {
      for (const [what, input, type, message] of cases) {
        const { f, ms } = await failure(client, taskQueue, { ...quick, ...input });
        assert.equal(f.type, type, `${what}: ${f.message}`);
        assert.match(f.message, message, `${what}: ${f.message}`);
        assert.ok(ms < 15_000, `${what}: failed after ${ms} ms`);
        console.log(`# ${what}: ${f.type} after ${ms} ms: ${f.message}`);
      }
    },
    { fileAccess },
  );
  assert.equal(existsSync(join('/', 'segments.csv')), false, 'nothing was written to /');
});
