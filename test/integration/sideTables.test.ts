/**
 * Every output queryable next to the segment table: a run writes T_dictionary, T_scores,
 * T_profiles, T_importance and T_moves beside T and T_model, stamped with its run id, with the
 * documented columns (docs/outputs.md), consistent with the segment table, and readable with
 * plain SQL; in Iceberg and in the memory connector, in worker and pushdown mode. A second run
 * replaces them all and T_moves then counts the moves from the first run.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunConfig, type RunConfigInput } from '../../src/config/runConfig';
import type { RunSummary } from '../../src/activities/types';
import { SIDE_TABLES } from '../../src/warehouse/run-side-tables';
import { segmentationWorkflow } from '../../src/workflows';
import { withWorker } from '../helpers/temporal';
import { loadExampleCustomers, queryRows } from '../helpers/trino';

const EXAMPLE = `memory.default.side_example_${process.pid}`;

before(() => loadExampleCustomers(EXAMPLE));

const COLUMNS: Record<string, string[]> = {
  dictionary: ['run_id', 'created_at', 'position', 'column_name', 'source_type', 'treatment', 'reason', 'null_count', 'distinct_count', 'encoding'],
  scores: ['run_id', 'created_at', 'k', 'inertia', 'silhouette', 'calinski_harabasz', 'stability', 'reference_silhouette', 'sample_size', 'chosen'],
  profiles: ['run_id', 'created_at', 'segment', 'feature', 'statistic', 'category', 'value'],
  importance: ['run_id', 'created_at', 'feature', 'segment', 'importance', 'margin_share'],
  moves: ['run_id', 'created_at', 'previous_segment', 'segment', 'customers'],
};

async function run(name: string, input: Partial<RunConfigInput> & Pick<RunConfigInput, 'source' | 'output' | 'userId'>, roots: string[] = []): Promise<RunSummary> {
  const config = parseRunConfig({ seed: 3, kRange: { min: 2, max: 6 }, ...input });
  return withWorker(name, ({ client, taskQueue }) => client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `${name}-${Date.now()}`, args: [config] }), {
    fileAccess: { kind: 'roots', roots },
  });
}

/** Checks the five side tables of `target` against the run and its segment table; returns T_moves. */
async function checkSideTables(target: string, summary: RunSummary, columnCount: number): Promise<unknown[][]> {
  const [catalog, schema, table] = target.split('.');
  for (const side of SIDE_TABLES) {
    const cols = await queryRows(`SELECT column_name FROM ${catalog}.information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}_${side}' ORDER BY ordinal_position`);
    assert.deepEqual(
      cols.map((c) => c[0]),
      COLUMNS[side],
      `${target}_${side} columns`,
    );
    const [[runs, runId]] = await queryRows(`SELECT count(DISTINCT run_id), max(run_id) FROM ${target}_${side}`);
    assert.deepEqual([runs, runId], [1, summary.runId], `${target}_${side} holds this run only`);
  }
  const [[dictRows]] = await queryRows(`SELECT count(*) FROM ${target}_dictionary`);
  assert.equal(dictRows, columnCount, 'one dictionary row per input column');
  const [[chosen, scored]] = await queryRows(`SELECT max(CASE WHEN chosen THEN k END), count(*) FROM ${target}_scores`);
  assert.equal(chosen, summary.k);
  assert.equal(scored, summary.scores.length);
  const sizes = await queryRows(`SELECT segment, value FROM ${target}_profiles WHERE statistic = 'size' AND feature IS NULL AND segment IS NOT NULL ORDER BY segment`);
  const actual = await queryRows(`SELECT segment, count(*) FROM ${target} GROUP BY segment ORDER BY segment`);
  assert.deepEqual(
    sizes.map(([s, v]) => [s, Number(v)]),
    actual.map(([s, c]) => [s, Number(c)]),
    'profile sizes = the segment table',
  );
  const [[features, overall]] = await queryRows(`SELECT count(DISTINCT feature), count_if(segment IS NULL) FROM ${target}_importance`);
  assert.equal(features, overall, 'one overall importance per feature');
  const moves = await queryRows(`SELECT previous_segment, segment, customers FROM ${target}_moves ORDER BY previous_segment NULLS FIRST, segment`);
  const [[total]] = await queryRows(`SELECT count(*) FROM ${target}`);
  assert.equal(
    moves.reduce((a, [, , c]) => a + Number(c), 0),
    Number(total),
    'every customer is counted once in T_moves',
  );
  return moves;
}

test('example customers into Iceberg: the side tables exist with their columns, agree with T, and a second run records its moves', { timeout: 600_000 }, async () => {
  await queryRows('CREATE SCHEMA IF NOT EXISTS iceberg.autoseg_test');
  const out = `iceberg.autoseg_test.side_${process.pid}`;
  for (const t of ['', '_model', ...SIDE_TABLES.map((s) => `_${s}`)]) await queryRows(`DROP TABLE IF EXISTS ${out}${t}`);
  const [[columnCount]] = await queryRows(`SELECT count(*) FROM memory.information_schema.columns WHERE table_schema = 'default' AND table_name = 'side_example_${process.pid}'`);
  const base = { source: { kind: 'table' as const, table: EXAMPLE }, output: { kind: 'table' as const, table: out }, userId: 'td_canonical_id' };
  const first = await run('side-ice-1', base);
  const firstMoves = await checkSideTables(out, first, Number(columnCount));
  assert.ok(
    firstMoves.every(([prev]) => prev === null),
    'first run: every customer is new',
  );
  const second = await run('side-ice-2', { ...base, seed: 4 });
  const moves = await checkSideTables(out, second, Number(columnCount));
  const stayedOrMoved = moves.filter(([prev]) => prev !== null).reduce((a, [, , c]) => a + Number(c), 0);
  const [[customers]] = await queryRows(`SELECT count(*) FROM ${EXAMPLE}`);
  assert.equal(stayedOrMoved, Number(customers), 'second run: every customer of the first run is counted from its previous segment');
  const [[model]] = await queryRows(`SELECT count(*) FROM ${out}_model WHERE run_id = '${second.runId}'`);
  assert.equal(model, 1);
});

test('example customers into the memory connector: the same side tables', { timeout: 600_000 }, async () => {
  const out = `memory.default.side_${process.pid}`;
  for (const t of ['', '_model', ...SIDE_TABLES.map((s) => `_${s}`)]) await queryRows(`DROP TABLE IF EXISTS ${out}${t}`);
  const [[columnCount]] = await queryRows(`SELECT count(*) FROM memory.information_schema.columns WHERE table_schema = 'default' AND table_name = 'side_example_${process.pid}'`);
  const summary = await run('side-mem', { source: { kind: 'table', table: EXAMPLE }, output: { kind: 'table', table: out }, userId: 'td_canonical_id' });
  await checkSideTables(out, summary, Number(columnCount));
});

test('a directory output gets the same tables as CSV files', { timeout: 600_000 }, async () => {
  const dir = await mkdtemp(join(tmpdir(), 'autoseg-side-'));
  try {
    const summary = await run('side-dir', { source: { kind: 'table', table: EXAMPLE }, output: { kind: 'dir', dir: join(dir, 'out') }, userId: 'td_canonical_id' }, [dir]);
    for (const side of SIDE_TABLES) {
      const [header, ...rows] = readFileSync(join(dir, 'out', `${side}.csv`), 'utf8')
        .trim()
        .split('\n');
      assert.equal(header, COLUMNS[side].join(','), `${side}.csv header`);
      assert.ok(rows.length > 0);
      assert.ok(rows.every((r) => r.startsWith(`${summary.runId},`)));
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
