import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { parseRunConfig, type RunConfigInput } from '../../src/config/runConfig';
import type { SummaryFile } from '../../src/activities/finish';
import type { RunSummary } from '../../src/activities/types';
import { segmentationWorkflow } from '../../src/workflows';
import { withWorker } from '../helpers/temporal';
import { queryRows } from '../helpers/trino';

/**
 * Pushdown (engine trino) against worker mode on the same table and seed. With a training
 * sample that covers the whole table, pushdown must reach the same dictionary, the same k and
 * the same segment for every customer: the sample is the table, Lloyd refinement in Trino starts
 * from the worker's converged centroids, and the SQL assignment is the engine's bit for bit.
 */
const SOURCE = 'tpch.sf1.customer';
const WORKER_OUT = 'memory.default.pd_worker_segments';
const PUSHDOWN_OUT = 'memory.default.pd_trino_segments';

async function run(name: string, input: Partial<RunConfigInput>): Promise<RunSummary> {
  const config = parseRunConfig({ source: { kind: 'table', table: SOURCE }, userId: 'custkey', seed: 5, ...input });
  return withWorker(name, ({ client, taskQueue }) => client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `${name}-${Date.now()}`, args: [config] }));
}

const summaryFile = (s: RunSummary): SummaryFile => JSON.parse(readFileSync(s.outputs.summary, 'utf8')) as SummaryFile;
const timings = (s: RunSummary): string => s.timings.map((t) => `${t.stage} ${(t.ms / 1000).toFixed(1)} s`).join(', ');

test("tpch.sf1.customer: pushdown with a whole-table sample gives worker mode's dictionary, k and segment for every customer", async () => {
  for (const t of [WORKER_OUT, PUSHDOWN_OUT]) {
    for (const suffix of ['', '_model', '_dictionary', '_scores', '_profiles', '_importance', '_moves']) await queryRows(`DROP TABLE IF EXISTS ${t}${suffix}`);
  }
  // auto with the default threshold (1,000,000): 150,000 rows stay in worker mode.
  const worker = await run('pd-worker', { output: { kind: 'table', table: WORKER_OUT }, reasons: true });
  assert.equal(worker.engine?.mode, 'worker');
  assert.match(worker.engine?.reason ?? '', /150,000 rows, not more than the threshold 1,000,000/);
  // auto with a threshold below the table's size: pushdown, the sample being the whole table.
  const pushdown = await run('pd-trino', { output: { kind: 'table', table: PUSHDOWN_OUT }, engineThreshold: 100_000, trainingSampleSize: 150_000, reasons: true });
  assert.equal(pushdown.engine?.mode, 'trino');
  assert.match(pushdown.engine?.reason ?? '', /150,000 rows, more than the threshold 100,000/);
  assert.equal(pushdown.engine?.trainingRows, 150_000);
  console.log(`worker: ${timings(worker)}\npushdown: ${timings(pushdown)}`);

  const [w, p] = [summaryFile(worker), summaryFile(pushdown)];
  assert.deepEqual(p.dataDictionary, w.dataDictionary, 'the same data dictionary');
  assert.deepEqual(pushdown.scores, worker.scores, 'the same k scores');
  assert.equal(pushdown.k, worker.k);
  assert.deepEqual(
    pushdown.segments.map((s) => s.size),
    worker.segments.map((s) => s.size),
  );
  assert.ok(Math.abs(p.inertia - w.inertia) <= 1e-9 * w.inertia, `full-table inertia ${p.inertia} vs ${w.inertia}`);
  // The explanations describe every customer in both modes: the same counts, histograms and quantiles.
  const described = (x: SummaryFile) =>
    x.explanation.features.map((f) =>
      f.kind === 'continuous'
        ? [f.feature, f.population.histogram, f.population.quantiles, f.population.median, f.segments.map((s) => s.quantiles)]
        : [f.feature, f.population.counts, f.segments.map((s) => s.counts)],
    );
  assert.deepEqual(described(p), described(w));
  assert.equal(p.explanation.rowCount, 150_000);
  assert.equal(p.explanation.profiledRows, undefined);

  const [[rows, ids, runIds]] = await queryRows(`SELECT count(*), count(DISTINCT custkey), count(DISTINCT run_id) FROM ${PUSHDOWN_OUT}`);
  assert.deepEqual([rows, ids, runIds], [150_000, 150_000, 1]);
  const [[joined, differ]] = await queryRows(
    `SELECT count(*), count_if(w.segment <> p.segment OR w.segment_label <> p.segment_label OR w.reason_1 <> p.reason_1 OR w.reason_2 <> p.reason_2 OR w.reason_3 <> p.reason_3 OR p.reason_3 IS NULL) FROM ${WORKER_OUT} w JOIN ${PUSHDOWN_OUT} p ON w.custkey = p.custkey`,
  );
  assert.deepEqual([joined, differ], [150_000, 0], 'every customer has the same segment, label and reasons (--reasons) in both modes');
  // The side tables, in both modes: the same scores and dictionary rows; every customer in T_moves.
  for (const out of [WORKER_OUT, PUSHDOWN_OUT]) {
    const [[moved, sized]] = await queryRows(`SELECT (SELECT sum(customers) FROM ${out}_moves), (SELECT value FROM ${out}_profiles WHERE statistic = 'size' AND segment IS NULL AND feature IS NULL)`);
    assert.deepEqual([Number(moved), Number(sized)], [150_000, 150_000], `${out}: T_moves and T_profiles count every customer`);
  }
  const sideRows = (out: string, side: string, columns: string) => queryRows(`SELECT ${columns} FROM ${out}_${side} ORDER BY 1`);
  assert.deepEqual(await sideRows(PUSHDOWN_OUT, 'scores', 'k, inertia, silhouette, stability, chosen'), await sideRows(WORKER_OUT, 'scores', 'k, inertia, silhouette, stability, chosen'));
  assert.deepEqual(await sideRows(PUSHDOWN_OUT, 'dictionary', 'position, column_name, treatment, reason'), await sideRows(WORKER_OUT, 'dictionary', 'position, column_name, treatment, reason'));
  const [[type]] = await queryRows(`SELECT data_type FROM memory.information_schema.columns WHERE table_name = 'pd_trino_segments' AND column_name = 'custkey'`);
  assert.equal(type, 'bigint', 'the user id keeps its source type');

  // The report says which engine ran and what the distributions describe.
  const html = readFileSync(pushdown.outputs.report!, 'utf8');
  assert.match(html, /Trino pushdown: auto: the source has 150,000 rows/);

  // A rerun in pushdown mode: the movement join in Trino finds nobody moved.
  const again = await run('pd-trino-again', { output: { kind: 'table', table: PUSHDOWN_OUT }, engine: 'trino', trainingSampleSize: 150_000 });
  assert.equal(again.engine?.reason, 'engine trino was asked for');
  assert.equal(again.movedSincePrevious, 0);
  assert.deepEqual(
    summaryFile(again).transitions?.map((row, i) => row[i]),
    pushdown.segments.map((s) => s.size),
  );
});
