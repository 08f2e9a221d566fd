/**
 * The workflow's orchestration alone: the real workflow code on the real Temporal server that
 * `npm test` starts, with stub activities (no warehouse, no data), so each case takes seconds.
 * Checked: the stage order, the k fan-out running in parallel, the progress query during a
 * stage, the engine choice reaching the stages, and the failure path (cleanup told that the
 * write-back had started, the failure kept non-retryable).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, Client, Connection, WorkflowFailedError } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import type { RunConfigInput } from '../../src/config/runConfigSchema';
import type { KFit } from '../../src/segmentation/scoring';
import { segmentationWorkflow } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/progress';
import { temporalAddress } from '../helpers/temporal';

Runtime.install({ logger: new DefaultLogger('WARN') });

const config: RunConfigInput = { source: { kind: 'table', table: 'memory.default.customers' }, output: { kind: 'table', table: 'memory.default.segments' }, userId: 'id', kRange: { min: 2, max: 6 } };

/** Stub activities recording each call; `score` runs once every k has started (a barrier). */
function stubs(options: { engine?: 'worker' | 'trino'; failWrite?: boolean; gate?: Promise<void> } = {}) {
  const calls: { name: string; input: Record<string, unknown> }[] = [];
  const record = (name: string, input: unknown) => calls.push({ name, input: input as Record<string, unknown> });
  const ks = [2, 3, 4, 5, 6];
  let started = 0;
  let releaseAll!: () => void;
  const allStarted = new Promise<void>((resolve) => (releaseAll = resolve));
  const inertia = (k: number) => 1000 / k ** 1.5;
  const activities = {
    async checkRun(input: unknown) {
      record('checkRun', input);
      return { previousOutput: false, engine: { mode: options.engine ?? 'worker', reason: 'stub', sourceRows: 1000 } };
    },
    async extractSource(input: unknown) {
      record('extractSource', input);
      return { rows: 1000, columns: 5 };
    },
    async sampleSource(input: unknown) {
      record('sampleSource', input);
      return { rows: 1000, columns: 5, sampleRows: 200 };
    },
    async engineerFeatures(input: unknown) {
      record('engineerFeatures', input);
      return { features: 4, ks };
    },
    async fitCandidate(input: { k: number }): Promise<KFit> {
      record('fitCandidate', input);
      if (++started === ks.length) releaseAll();
      // Sequential scoring would wait here forever: the barrier needs every k in flight.
      await Promise.race([allStarted, new Promise((_, reject) => setTimeout(() => reject(ApplicationFailure.nonRetryable('k scored one at a time, not in parallel')), 15_000))]);
      await options.gate;
      return { k: input.k, inertia: inertia(input.k), calinskiHarabasz: 100, sampleSize: 200 };
    },
    async scoreSilhouettes(input: { ks: number[] }): Promise<number[]> {
      record('scoreSilhouettes', input);
      return input.ks.map((k) => 0.5 - k / 100);
    },
    async fitSegments(input: unknown) {
      record('fitSegments', input);
      return { k: 4, inertia: 1, iterations: 3 };
    },
    async explainSegments(input: unknown) {
      record('explainSegments', input);
      return { labels: ['a', 'b', 'c', 'd'] };
    },
    async writeSegments(input: unknown) {
      record('writeSegments', input);
      if (options.failWrite) throw ApplicationFailure.nonRetryable('stub: the output table is read-only', 'WarehouseInputError');
      return { target: 'memory.default.segments', rows: 1000, outcome: 'replaced' };
    },
    async writeReport(input: unknown) {
      record('writeReport', input);
      return { path: '/nowhere/report.html' };
    },
    async finishRun(input: unknown) {
      record('finishRun', input);
      return { runId: 'stub', rows: 1000 };
    },
    async cleanupRun(input: unknown) {
      record('cleanupRun', input);
    },
  };
  return { activities, calls };
}

async function withStubWorker<T>(activities: object, body: (client: Client, taskQueue: string) => Promise<T>): Promise<T> {
  const address = temporalAddress();
  const taskQueue = `stub-workflow-${process.pid}-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await Worker.create({ connection: nativeConnection, taskQueue, workflowsPath: require.resolve('../../src/workflows'), activities });
    return await worker.runUntil(body(new Client({ connection }), taskQueue));
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}

test('stages run in order, every k is scored at once, progress is queryable, the engine reaches the stages', { timeout: 120_000 }, async () => {
  let open!: () => void;
  const gate = new Promise<void>((resolve) => (open = resolve));
  const { activities, calls } = stubs({ engine: 'trino', gate });
  await withStubWorker(activities, async (client, taskQueue) => {
    const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: `stub-ok-${Date.now()}`, args: [config] });
    // While every k is in flight (held at the gate), the query shows the score stage.
    for (let i = 0; ; i++) {
      const p = await handle.query(progressQuery);
      if (p.stage === 'score' && calls.filter((c) => c.name === 'fitCandidate').length === 5) {
        assert.equal(p.kTotal, 5);
        assert.equal(p.kScored, 0);
        assert.equal(p.engine?.mode, 'trino');
        assert.deepEqual(
          p.completed.map((c) => c.stage),
          ['check', 'extract', 'engineer'],
        );
        break;
      }
      assert.ok(i < 200, `never saw all 5 k in flight: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    open();
    const summary = await handle.result();
    assert.deepEqual(summary, { runId: 'stub', rows: 1000 });
    const progress = await handle.query(progressQuery);
    assert.equal(progress.stage, 'done');
    assert.equal(progress.kScored, 5);
    assert.equal(progress.kTotal, 5);
    assert.deepEqual(
      progress.completed.map((c) => c.stage),
      ['check', 'extract', 'engineer', 'score', 'choose', 'cluster', 'explain', 'write', 'report', 'finish'],
    );
  });
  const order = calls.map((c) => c.name).filter((n, i, all) => n !== 'fitCandidate' || all[i - 1] !== 'fitCandidate');
  // Pushdown: the sample, not a full extract.
  assert.deepEqual(order, ['checkRun', 'sampleSource', 'engineerFeatures', 'fitCandidate', 'scoreSilhouettes', 'fitSegments', 'explainSegments', 'writeSegments', 'writeReport', 'finishRun']);
  assert.deepEqual(
    calls
      .filter((c) => c.name === 'fitCandidate')
      .map((c) => c.input.k)
      .sort(),
    [2, 3, 4, 5, 6],
  );
  for (const name of ['engineerFeatures', 'fitSegments', 'explainSegments', 'writeSegments']) assert.equal(calls.find((c) => c.name === name)!.input.engine, 'trino', name);
  // The workflow parsed its partial input: the stages get the defaults filled in.
  const passed = calls[0].input.config as Record<string, unknown>;
  assert.equal(passed.nInit, 20);
  assert.equal(passed.engine, 'auto');
  assert.deepEqual(passed.kRange, { min: 2, max: 6 });
});

test('a failed write-back ends the run with its non-retryable cause and a cleanup told the write had started', { timeout: 120_000 }, async () => {
  const { activities, calls } = stubs({ failWrite: true });
  await withStubWorker(activities, async (client, taskQueue) => {
    const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: `stub-fail-${Date.now()}`, args: [config] });
    const err = await handle.result().then(
      () => assert.fail('the run should have failed'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof WorkflowFailedError);
    assert.match(String((err.cause as Error | undefined)?.cause), /read-only/);
    assert.equal((await handle.query(progressQuery)).stage, 'failed');
  });
  const names = calls.map((c) => c.name);
  assert.equal(names.filter((n) => n === 'writeSegments').length, 1, 'not retried');
  assert.equal(names.at(-1), 'cleanupRun');
  assert.ok(!names.includes('writeReport') && !names.includes('finishRun'));
  assert.equal(calls.at(-1)!.input.reason, 'failed');
  assert.equal(calls.at(-1)!.input.writeStarted, true);
  assert.ok(names.includes('extractSource') && !names.includes('sampleSource'), 'worker mode extracts every row');
});
