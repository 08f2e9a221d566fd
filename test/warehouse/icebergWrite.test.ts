/**
 * The run write-back on a real lakehouse connector: the `iceberg` catalog of the Trino that
 * `npm test` starts (Trino's Iceberg connector, file metastore on local disk, see
 * scripts/services/trino.ts). Iceberg supports CREATE OR REPLACE TABLE, so the swap is the
 * atomic `replace` path: a reader never sees the target missing or partly written.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { runOutputs, type TestRun } from '../helpers/runOutputs';
import { SupersededRunError } from '../../src/warehouse/errors';
import { TrinoWarehouse, WarehouseInputError } from '../../src/warehouse';

const SCHEMA = 'iceberg.autoseg_test';
const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), catalog: 'iceberg', schema: 'autoseg_test' });
const unique = (prefix: string): string => `${prefix}_${process.pid}_${Date.now() % 1_000_000}`;

const r1: TestRun = { runId: 'ice-run-1', start: new Date('2026-05-01T01:00:00.123Z'), rows: 120 };
const r2: TestRun = { runId: 'ice-run-2', start: new Date('2026-05-02T01:00:00.456Z'), rows: 150, shift: 1 };

async function ensureSchema(): Promise<void> {
  await queryRows(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
}

/** Tables of the iceberg schema beside `target` and its model: staging, old copies, lock, probes. */
async function leftovers(target: string): Promise<string[]> {
  const rows = await queryRows(
    `SELECT table_name FROM iceberg.information_schema.tables WHERE table_schema = 'autoseg_test' AND (table_name LIKE '${target}\\_\\_%' ESCAPE '\\' OR table_name LIKE '${target}\\_model\\_\\_%' ESCAPE '\\')`,
  );
  return rows.map((r) => String(r[0])).sort();
}

/** [rows, min(run_id), max(run_id)] of the segment table and of the model table. */
async function pair(target: string): Promise<[number, unknown, unknown, number, unknown]> {
  const [[n, minRun, maxRun, m, modelRun]] = await queryRows(
    `SELECT (SELECT count(*) FROM ${SCHEMA}.${target}), (SELECT min(run_id) FROM ${SCHEMA}.${target}), (SELECT max(run_id) FROM ${SCHEMA}.${target}), ` +
      `(SELECT count(*) FROM ${SCHEMA}.${target}_model), (SELECT max(run_id) FROM ${SCHEMA}.${target}_model)`,
  );
  return [Number(n), minRun, maxRun, Number(m), modelRun];
}

/** The segment table's rows exactly as runOutputs(target, run) made them. */
async function assertContent(target: string, run: TestRun): Promise<void> {
  // Iceberg keeps timestamps in microseconds: the timestamp(3) written reads back as timestamp(6),
  // the same instant (the fence parses either form).
  const [[type]] = await queryRows(`SELECT typeof(created_at) FROM ${SCHEMA}.${target} LIMIT 1`);
  assert.equal(type, 'timestamp(6)');
  const rows = await queryRows(`SELECT custkey, segment, segment_label, run_id, CAST(CAST(created_at AS timestamp(3)) AS varchar) FROM ${SCHEMA}.${target} ORDER BY custkey`);
  const shift = run.shift ?? 0;
  const created = run.start.toISOString().replace('T', ' ').replace('Z', '');
  assert.equal(rows.length, run.rows);
  rows.forEach((r, i) => assert.deepEqual(r, [1_000_000 + i, (i + shift) % 4, `it's segment ${(i + shift) % 4}`, run.runId, created], `row ${i}`));
  const [[modelRun, modelCreated, model]] = await queryRows(`SELECT run_id, CAST(CAST(created_at AS timestamp(3)) AS varchar), model FROM ${SCHEMA}.${target}_model`);
  assert.deepEqual([modelRun, modelCreated, JSON.parse(String(model))], [run.runId, created, { k: 4, run: run.runId }]);
}

async function dropPair(target: string): Promise<void> {
  await queryRows(`DROP TABLE IF EXISTS ${SCHEMA}.${target}`);
  await queryRows(`DROP TABLE IF EXISTS ${SCHEMA}.${target}_model`);
}

test('checkWritable passes on an iceberg target, leaving no probe table; a missing iceberg schema is refused', async () => {
  await ensureSchema();
  const target = unique('ice_check');
  await wh().checkWritable(`${SCHEMA}.${target}`);
  await wh().checkWritable(target);
  assert.deepEqual(await leftovers(target), [], 'the probe table is dropped');
  await assert.rejects(wh().checkWritable('iceberg.no_such_schema.segments'), (e) => e instanceof WarehouseInputError && e.code === 'SCHEMA_NOT_FOUND');
});

test('iceberg: created then replaced with CREATE OR REPLACE; a reader polling during the replace never sees a missing or partial table', async () => {
  await ensureSchema();
  const target = unique('ice_rw');
  const first = await wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start });
  assert.deepEqual(first, { outcome: 'created', strategy: 'replace', rowCount: 120 });
  assert.deepEqual(await pair(target), [120, r1.runId, r1.runId, 1, r1.runId]);
  await assertContent(target, r1);
  assert.deepEqual(await leftovers(target), []);

  // Readers poll both tables while run 2 stages, locks and swaps; each poll sees one whole table.
  const seen: { at: number; seg?: string; model?: string; error?: string }[] = [];
  let stop = false;
  let swapStartedAt = Infinity;
  const poll = async (): Promise<void> => {
    while (!stop) {
      const at = Date.now();
      try {
        const [[n, minRun, maxRun]] = await queryRows(`SELECT count(*), min(run_id), max(run_id) FROM ${SCHEMA}.${target}`);
        const [[m, modelRun]] = await queryRows(`SELECT count(*), max(run_id) FROM ${SCHEMA}.${target}_model`);
        seen.push({ at, seg: `${String(n)}/${String(minRun)}/${String(maxRun)}`, model: `${String(m)}/${String(modelRun)}` });
      } catch (e) {
        seen.push({ at, error: (e as Error).message });
      }
    }
  };
  const readers = [poll(), poll()];
  let second;
  try {
    second = await wh().writeRunOutputs(runOutputs(target, r2), {
      runId: r2.runId,
      runStartedAt: r2.start,
      onProgress: (p) => {
        if (p.step === 'swapping') swapStartedAt = Date.now();
      },
    });
  } finally {
    const writeEnd = Date.now();
    // Let the readers see the final state too.
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(readers);
    const duringSwap = seen.filter((s) => s.at >= swapStartedAt && s.at <= writeEnd).length;
    console.log(`[icebergWrite] ${seen.length} reads while writing, ${duringSwap} started during the swap (${writeEnd - swapStartedAt} ms)`);
  }
  assert.deepEqual(second, { outcome: 'replaced', strategy: 'replace', rowCount: 150 });
  const errors = seen.filter((s) => s.error !== undefined);
  assert.deepEqual(errors, [], 'no read failed (no missing table)');
  const segStates = new Set(seen.map((s) => s.seg));
  const modelStates = new Set(seen.map((s) => s.model));
  for (const s of segStates) assert.ok(s === `120/${r1.runId}/${r1.runId}` || s === `150/${r2.runId}/${r2.runId}`, `a reader saw a partial segment table: ${s}`);
  for (const s of modelStates) assert.ok(s === `1/${r1.runId}` || s === `1/${r2.runId}`, `a reader saw a partial model table: ${s}`);
  assert.ok(segStates.has(`120/${r1.runId}/${r1.runId}`) && segStates.has(`150/${r2.runId}/${r2.runId}`), `readers saw both runs: ${[...segStates].join(', ')}`);
  assert.ok(
    seen.some((s) => s.at >= swapStartedAt),
    'reads overlapped the swap',
  );

  assert.deepEqual(await pair(target), [150, r2.runId, r2.runId, 1, r2.runId]);
  await assertContent(target, r2);
  assert.deepEqual(await leftovers(target), [], 'no staging, old or lock table left');
  await dropPair(target);
});

test('iceberg: a retry of the newest run is unchanged; an older run is superseded and leaves nothing behind', async () => {
  await ensureSchema();
  const target = unique('ice_fence');
  assert.equal((await wh().writeRunOutputs(runOutputs(target, r2), { runId: r2.runId, runStartedAt: r2.start })).outcome, 'created');
  assert.equal((await wh().writeRunOutputs(runOutputs(target, r2), { runId: r2.runId, runStartedAt: r2.start })).outcome, 'unchanged');
  await assert.rejects(wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start }), (e) => e instanceof SupersededRunError);
  assert.deepEqual(await pair(target), [150, r2.runId, r2.runId, 1, r2.runId]);
  assert.deepEqual(await leftovers(target), []);
  await dropPair(target);
});
