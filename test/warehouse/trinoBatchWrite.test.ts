/**
 * The staging writer's compact batches (trino-batch.ts: constant columns as one literal, integers
 * as JSON numbers, few distinct texts as a dictionary, parallel INSERTs) against a real Trino:
 * every value comes back exactly, over many small statements, whatever form its column took.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { TrinoWarehouse, type OutputTable } from '../../src/warehouse';
import { fillStaging } from '../../src/warehouse/trino-write';

const N = 1500;
const when = new Date(Date.UTC(2026, 10, 28, 6, 0, 0, 123));
const texts = ["o'brien", 'back\\slash "quoted"', 'line\nbreak\u2028sep', '日本語 🎌', '', ' padded ', 'null', "''"];
const ids = Array.from({ length: N }, (_, i) => (i === 0 ? '9223372036854775807' : i === 1 ? '-9223372036854775808' : i === 2 ? '007' : String(9007199254740993n + BigInt(i))));
const doubles = [0.1, 1e-300, -2.5e300, 5e-324, 1 / 3, -0.5, 123456789.123456789];

const table: OutputTable = {
  rowCount: N,
  columns: [
    { name: 'id', sqlType: 'bigint', values: ids },
    { name: 'segment', sqlType: 'integer', values: Int32Array.from({ length: N }, (_, i) => i % 5) },
    { name: 'label', sqlType: 'varchar', values: Array.from({ length: N }, (_, i) => (i % 11 === 0 ? null : texts[i % texts.length])) },
    { name: 'free_text', sqlType: 'varchar', values: Array.from({ length: N }, (_, i) => `${texts[i % texts.length]}#${i}`) },
    { name: 'score', sqlType: 'double', values: Array.from({ length: N }, (_, i) => (i % 13 === 0 ? null : doubles[i % doubles.length] * (i + 1))) },
    { name: 'small_int', sqlType: 'smallint', values: Array.from({ length: N }, (_, i) => (i % 7 === 0 ? null : (i % 3) - 1)) },
    { name: 'run_id', sqlType: 'varchar', values: new Array<string>(N).fill("run-'1'") },
    { name: 'created_at', sqlType: 'timestamp(3)', values: new Array<Date>(N).fill(when) },
    { name: 'nothing', sqlType: 'varchar', values: new Array<null>(N).fill(null) },
    { name: 'day', sqlType: 'date', values: Array.from({ length: N }, (_, i) => new Date(Date.UTC(2026, 0, 1 + (i % 3)))) },
  ],
};

async function roundTrip(name: string, t: OutputTable, maxStatementChars: number, insertStreams: number): Promise<unknown[][]> {
  const w = new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default', maxStatementChars, insertStreams });
  const ref = w.resolveTable(`memory.default.${name}`);
  await queryRows(`DROP TABLE IF EXISTS memory.default.${name}`);
  let batches = 0;
  try {
    await fillStaging(w.connection, ref, t, { onBatch: () => void batches++ });
    const cols = t.columns.map((c) => (c.sqlType === 'bigint' ? `CAST(${c.name} AS varchar)` : c.sqlType === 'double' ? `CAST(${c.name} AS varchar)` : c.name));
    const rows = await queryRows(`SELECT ${cols.join(', ')}, typeof(segment), typeof(created_at), typeof(nothing) FROM memory.default.${name} ORDER BY free_text`);
    if (t.rowCount > 1) assert.ok(batches >= 5, `${batches} statements: the test meant to cut the rows into several`);
    return rows;
  } finally {
    await queryRows(`DROP TABLE IF EXISTS memory.default.${name}`);
  }
}

test('every value round-trips exactly through many small, parallel, compact statements', async () => {
  const rows = await roundTrip(`batch_write_${process.pid}`, table, 12_000, 3);
  assert.equal(rows.length, N);
  const byText = new Map(rows.map((r) => [r[3] as string, r]));
  for (let i = 0; i < N; i++) {
    const r = byText.get(table.columns[3].values[i] as string);
    assert.ok(r, `row ${i} is missing`);
    assert.equal(r[0], BigInt(ids[i]).toString(), `id of row ${i}`);
    assert.equal(r[1], i % 5);
    assert.equal(r[2], table.columns[2].values[i]);
    const score = table.columns[4].values[i] as number | null;
    // Trino prints doubles in the shortest form that reads back the same; compare as numbers.
    assert.equal(r[4] === null ? null : Number(r[4]), score, `score of row ${i}`);
    assert.equal(r[5], table.columns[5].values[i]);
    assert.equal(r[6], "run-'1'");
    assert.equal(r[7], '2026-11-28 06:00:00.123');
    assert.equal(r[8], null);
    assert.equal(r[9], `2026-01-0${1 + (i % 3)}`);
    assert.deepEqual(r.slice(10), ['integer', 'timestamp(3)', 'varchar']);
  }
});

test('a one-row table of constants (the model table) and an empty table get their columns and rows', async () => {
  const one: OutputTable = { rowCount: 1, columns: table.columns.map((c) => ({ ...c, values: Array.from(c.values).slice(0, 1) })) };
  const rows = await roundTrip(`batch_one_${process.pid}`, one, 900_000, 2);
  assert.equal(rows.length, 1);
  assert.equal(rows[0][0], '9223372036854775807');
  const empty: OutputTable = { rowCount: 0, columns: table.columns.map((c) => ({ ...c, values: [] })) };
  assert.deepEqual(await roundTrip(`batch_empty_${process.pid}`, empty, 900_000, 2), []);
});

test('a bad value is a non-retryable error naming its column and row, before any statement runs', async () => {
  const w = new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
  const name = `batch_bad_${process.pid}`;
  const bad: OutputTable = { rowCount: 3, columns: [{ name: 'id', sqlType: 'bigint', values: ['1', '2', 'x3'] }] };
  await assert.rejects(fillStaging(w.connection, w.resolveTable(`memory.default.${name}`), bad), { name: 'WarehouseInputError', message: /column id, row 2: not an integer/ });
  assert.deepEqual(await queryRows(`SELECT count(*) FROM memory.information_schema.tables WHERE table_name = '${name}'`), [[0]]);
});
