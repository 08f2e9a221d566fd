/**
 * The run write-back with the segments staged from a SELECT inside Trino (CREATE TABLE AS SELECT,
 * trino-select-stage.ts), against the real Trino that `npm test` starts: the table it makes (same
 * columns as the row path, content = the compiled model's SELECT), its checks (expectedRows, empty,
 * a bad SELECT), a CTAS cancelled or killed half-way, and the atomic replace on Iceberg.
 * The cut at every statement is in trinoWriteFaults.test.ts.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { runOutputs, writeLeftovers, type TestRun } from '../helpers/runOutputs';
import { TrinoWarehouse, WarehouseInputError, WarehouseUnavailableError } from '../../src/warehouse';
import { runTag } from '../../src/warehouse/identifiers';
import { customerTable, differenceFromSelect, selectOutputs } from './selectStaged';

const ROWS = 200;
const tag = `${process.pid}_${Date.now() % 1_000_000}`;
const SOURCE = `memory.default.sel_customers_${tag}`;
let select = '';
const wh = (catalog = 'memory', schema = 'default'): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), catalog, schema });
const r1: TestRun = { runId: 'sel-run-1', start: new Date('2026-05-01T01:00:00.123Z'), rows: ROWS };
const r2: TestRun = { runId: 'sel-run-2', start: new Date('2026-05-02T01:00:00.456Z'), rows: ROWS };
const opts = (r: TestRun): { runId: string; runStartedAt: Date } => ({ runId: r.runId, runStartedAt: r.start });

before(async () => {
  ({ select } = await customerTable(SOURCE, ROWS));
});
after(async () => {
  await queryRows(`DROP TABLE IF EXISTS ${SOURCE}`);
});

/** [column, type] of a table, in order. */
async function columnsOf(catalog: string, schema: string, table: string): Promise<unknown[][]> {
  return queryRows(`SELECT column_name, data_type FROM ${catalog}.information_schema.columns WHERE table_schema = '${schema}' AND table_name = '${table}' ORDER BY ordinal_position`);
}

/** [rows, distinct run ids, run id, created_at] of a segment table, and the run id of its model table. */
async function pairOf(table: string): Promise<unknown[]> {
  const [[n, runs, run, created, model]] = await queryRows(
    `SELECT count(*), count(DISTINCT run_id), max(run_id), CAST(CAST(max(created_at) AS timestamp(3)) AS varchar), (SELECT max(run_id) FROM ${table}_model) FROM ${table}`,
  );
  return [Number(n), Number(runs), run, created, model];
}

async function dropPair(table: string): Promise<void> {
  await queryRows(`DROP TABLE IF EXISTS ${table}`);
  await queryRows(`DROP TABLE IF EXISTS ${table}_model`);
}

/** A SELECT that runs for a long time before giving its first row: the model's, behind a scan of tpch.sf100.lineitem. */
const slowSelect = (): string => `SELECT * FROM (\n${select}\n) AS s WHERE (SELECT sum(quantity) FROM tpch.sf100.lineitem) >= 0`;

/** The CTAS of `target`'s staging table, once Trino runs it. */
async function runningCtas(target: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const rows = await queryRows(`SELECT query_id FROM system.runtime.queries WHERE state = 'RUNNING' AND query LIKE 'CREATE TABLE "memory"."default"."${target}__stage_%'`);
    if (rows.length > 0) return String(rows[0][0]);
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no running CTAS for ${target}`);
}

test("memory: the segments made by one CTAS from modelSelect: the row path's columns, the SELECT's rows; a retry is unchanged; a wrong count, an empty or a broken SELECT leave the pair untouched", async () => {
  const target = `sel_rw_${tag}`;
  const table = `memory.default.${target}`;
  const steps: string[] = [];
  const first = await wh().writeRunOutputs(selectOutputs(target, r1, select, ROWS), { ...opts(r1), onProgress: (p) => void steps.push(`${p.step}:${p.rowsWritten}`) });
  assert.deepEqual(first, { outcome: 'created', strategy: 'rename', rowCount: ROWS });
  // Reported when the CTAS starts, every second while it runs, and with the rows once counted.
  const ctas = steps.filter((s) => s.startsWith('staging segments: CREATE TABLE AS SELECT:'));
  assert.deepEqual(
    ctas.map((s) => s.endsWith(':0')),
    [...new Array<boolean>(ctas.length - 1).fill(true), false],
    steps.join(', '),
  );
  assert.equal(ctas.at(-1), `staging segments: CREATE TABLE AS SELECT:${ROWS}`);
  assert.equal(await differenceFromSelect(table, select), 0, "the table holds exactly the SELECT's rows");
  assert.deepEqual(await pairOf(table), [ROWS, 1, r1.runId, '2026-05-01 01:00:00.123', r1.runId]);

  // The row path writing the same run: the same columns, types and order.
  await wh().writeRunOutputs(runOutputs(`${target}_rows`, r1), opts(r1));
  const expected = [
    ['custkey', 'bigint'],
    ['segment', 'integer'],
    ['segment_label', 'varchar'],
    ['run_id', 'varchar'],
    ['created_at', 'timestamp(3)'],
  ];
  assert.deepEqual(await columnsOf('memory', 'default', `${target}_rows`), expected);
  assert.deepEqual(await columnsOf('memory', 'default', target), expected);
  await dropPair(`${table}_rows`);

  // Without expectedRows: a retry of the same run is unchanged, its rows counted where they are.
  // (Replacing, the fence and cuts at every statement: trinoWriteFaults.test.ts and the iceberg test.)
  assert.deepEqual(await wh().writeRunOutputs(selectOutputs(target, r1, select), opts(r1)), { outcome: 'unchanged', strategy: 'rename', rowCount: ROWS });
  assert.deepEqual(await pairOf(table), [ROWS, 1, r1.runId, '2026-05-01 01:00:00.123', r1.runId]);
  assert.deepEqual(await writeLeftovers(target), []);

  // Run 2 refused: a count other than expectedRows is retryable, an empty or broken SELECT bad input.
  const refused = async (outputs: ReturnType<typeof selectOutputs>, check: (e: unknown) => boolean): Promise<void> => {
    await assert.rejects(wh().writeRunOutputs(outputs, opts(r2)), check);
    assert.deepEqual(await pairOf(table), [ROWS, 1, r1.runId, '2026-05-01 01:00:00.123', r1.runId], 'the old pair is untouched');
    assert.deepEqual(await writeLeftovers(target), [], 'the staging table is dropped');
  };
  await refused(
    selectOutputs(target, r2, select, ROWS + 1),
    (e) => e instanceof WarehouseUnavailableError && new RegExp(`${target}__stage_.* holds ${ROWS} rows, expected ${ROWS + 1}`).test(e.message),
  );
  await refused(selectOutputs(target, r2, `${select}\nLIMIT 0`), (e) => e instanceof WarehouseInputError && /the SELECT for .* gave no rows/.test(e.message));
  await refused(
    selectOutputs(target, r2, 'SELECT custkey FROM memory.default.no_such_table'),
    (e) => e instanceof WarehouseInputError && e.code === 'TABLE_NOT_FOUND' && /no_such_table/.test(e.message),
  );
  await refused(selectOutputs(target, r2, `DROP TABLE ${table}`), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_SQL');
  await refused(selectOutputs(target, r2, 'SELECT 1 AS run_id'), (e) => e instanceof WarehouseInputError && /run_id/.test(e.message));
  await dropPair(table);
});

test('a CTAS cancelled half-way: rejects at once, the target untouched; a CTAS killed on the server leaves only its staging table, which cleanupRun drops', async () => {
  const target = `sel_cut_${tag}`;
  const table = `memory.default.${target}`;
  await wh().writeRunOutputs(selectOutputs(target, r1, select, ROWS), opts(r1));
  const untouched = async (): Promise<void> => assert.deepEqual(await pairOf(table), [ROWS, 1, r1.runId, '2026-05-01 01:00:00.123', r1.runId]);

  // Cancelled through the signal while the CTAS runs: the query is cancelled on the server.
  const controller = new AbortController();
  const cancelled = assert.rejects(wh().writeRunOutputs(selectOutputs(target, r2, slowSelect(), ROWS), { ...opts(r2), signal: controller.signal }), (e: Error) => e.name === 'AbortError');
  const queryId = await runningCtas(target);
  const abortedAt = Date.now();
  controller.abort();
  await cancelled;
  assert.ok(Date.now() - abortedAt < 3000, `rejected ${Date.now() - abortedAt} ms after the abort`);
  await untouched();
  await wh().cleanupRun({ segments: target, model: `${target}_model` }, r2.runId);
  assert.deepEqual(await writeLeftovers(target), []);
  let state: unknown;
  for (let i = 0; i < 40 && state !== 'FAILED'; i++) {
    [[state]] = await queryRows(`SELECT state FROM system.runtime.queries WHERE query_id = '${queryId}'`);
    if (state !== 'FAILED') await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(state, 'FAILED', 'the CTAS was cancelled on the server');

  // Killed on the server (as by an operator or a restart): no compensation ran, the memory
  // connector keeps the half-made table under the staging name, and only there.
  const killed = assert.rejects(wh().writeRunOutputs(selectOutputs(target, r2, slowSelect(), ROWS), opts(r2)), /killed by the test/);
  await queryRows(`CALL system.runtime.kill_query(query_id => '${await runningCtas(target)}', message => 'killed by the test')`);
  await killed;
  await untouched();
  const stage = `${target}__stage_${runTag(r2.runId)}`;
  assert.deepEqual(await writeLeftovers(target), [stage], 'only the staging table is left');
  await wh().cleanupRun({ segments: target, model: `${target}_model` }, r2.runId);
  assert.deepEqual(await writeLeftovers(target), []);
  await untouched();
  // (A retry's CTAS over a staging table left behind: the CTAS cut after it ran, trinoWriteFaults.test.ts.)
  await dropPair(table);
});

test('iceberg: segments staged from a SELECT and swapped in with CREATE OR REPLACE', async () => {
  await queryRows('CREATE SCHEMA IF NOT EXISTS iceberg.autoseg_test');
  const target = `sel_ice_${tag}`;
  const table = `iceberg.autoseg_test.${target}`;
  const ice = (): TrinoWarehouse => wh('iceberg', 'autoseg_test');
  // One write: the staging is what differs from the row path; replacing an existing pair on
  // Iceberg is the shared swap, tested in icebergWrite.test.ts.
  assert.deepEqual(await ice().writeRunOutputs(selectOutputs(target, r1, select, ROWS), opts(r1)), { outcome: 'created', strategy: 'replace', rowCount: ROWS });
  // Iceberg keeps timestamps in microseconds: created_at reads back as timestamp(6), the same instant.
  assert.deepEqual(await columnsOf('iceberg', 'autoseg_test', target), [
    ['custkey', 'bigint'],
    ['segment', 'integer'],
    ['segment_label', 'varchar'],
    ['run_id', 'varchar'],
    ['created_at', 'timestamp(6)'],
  ]);
  assert.deepEqual(await pairOf(table), [ROWS, 1, r1.runId, '2026-05-01 01:00:00.123', r1.runId]);
  assert.equal(await differenceFromSelect(table, select), 0);
  const left = await queryRows(`SELECT table_name FROM iceberg.information_schema.tables WHERE table_schema = 'autoseg_test' AND table_name LIKE '${target}%' ORDER BY 1`);
  assert.deepEqual(
    left.map((r) => r[0]),
    [target, `${target}_model`],
    'no staging, old or lock table left',
  );
  await dropPair(table);
});
