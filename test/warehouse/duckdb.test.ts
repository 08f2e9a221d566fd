import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DuckDBWarehouse, WarehouseInputError, type OutputTable } from '../../src/warehouse';

const CUSTOMERS = resolve(__dirname, '../../examples/customers.csv');

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'autoseg-duckdb-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const segments = (ids: readonly string[], offset = 0): OutputTable => ({
  rowCount: ids.length,
  columns: [
    { name: 'td_canonical_id', sqlType: 'varchar', values: ids },
    { name: 'segment', sqlType: 'integer', values: ids.map((_, i) => (i + offset) % 3) },
    { name: 'segment_label', sqlType: 'varchar', values: ids.map((_, i) => `seg, "${(i + offset) % 3}"`) },
  ],
});

test('the example CSV scans with the expected kinds, nulls and exact string ids', async () => {
  const w = new DuckDBWarehouse();
  try {
    const batches: number[] = [];
    const t = await w.scan({ kind: 'file', path: CUSTOMERS }, { userId: 'td_canonical_id', batchSize: 1000, onBatch: (p) => void batches.push(p.rowsRead) });
    assert.equal(t.rowCount, 5000);
    assert.ok(batches.length >= 2 && batches[batches.length - 1] === 5000);
    const col = (name: string) => t.columns.find((c) => c.name === name)!;
    assert.equal(col('td_canonical_id').kind, 'categorical');
    assert.equal(new Set(col('td_canonical_id').values as string[]).size, 5000);
    for (const n of ['time', 'total_spend', 'order_count', 'days_since_last_order', 'email_open_rate', 'is_subscribed']) assert.equal(col(n).kind, 'numeric', n);
    for (const n of ['email', 'country', 'loyalty_tier', 'preferred_channel', 'fax_number', 'source_system']) assert.equal(col(n).kind, 'categorical', n);
    const fax = col('fax_number');
    assert.ok(fax.kind === 'categorical');
    const faxNulls = fax.values.filter((v) => v === null).length / 5000;
    assert.ok(faxNulls > 0.25, `fax_number null share ${faxNulls}`);
    const spend = col('total_spend');
    assert.ok(spend.kind === 'numeric' && spend.nulls.some((x) => x === 1));
  } finally {
    await w.close();
  }
});

test('a numeric-looking id column in a CSV is read as text: leading zeros and digits beyond 2^53 survive', () =>
  withDir(async (dir) => {
    const path = join(dir, 'ids.csv');
    await writeFile(path, 'id,d,ts,flag\n0012,2020-01-11,1970-01-02 12:00:00,true\n9007199254740993,,,false\n');
    const w = new DuckDBWarehouse();
    const t = await w.scan({ kind: 'file', path }, { userId: 'id' });
    await w.close();
    assert.deepEqual(t.columns[0].values, ['0012', '9007199254740993']);
    const [, d, ts, flag] = t.columns;
    assert.ok(d.kind === 'numeric' && ts.kind === 'numeric');
    assert.deepEqual([d.values[0], d.nulls[1], ts.values[0]], [18272, 1, 1.5]);
    assert.deepEqual(flag.values, ['true', 'false']);
  }));

test('CSV, Parquet and .duckdb outputs: atomic, re-readable, idempotent', () =>
  withDir(async (dir) => {
    const ids = ['a', 'b', 'c', 'd'];
    const w = new DuckDBWarehouse({ database: join(dir, 'out.duckdb') });
    const csv = join(dir, 'out', 'segments.csv');
    await w.writeTable(csv, segments(ids), { runId: 'r1' });
    assert.equal((await readFile(csv, 'utf8')).split('\n')[1], 'a,0,"seg, ""0"""');
    await w.writeTable(join(dir, 'segments.parquet'), segments(ids), { runId: 'r1' });
    await w.writeTable(join(dir, 'segments.parquet'), segments(ids), { runId: 'r1' }); // replaced in place
    const pq = await w.scan({ kind: 'file', path: join(dir, 'segments.parquet') }, { userId: 'td_canonical_id' });
    assert.deepEqual(
      pq.columns[2].values,
      ids.map((_, i) => `seg, "${i % 3}"`),
    );
    assert.deepEqual(
      (await readdir(dir)).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left beside the Parquet output',
    );

    assert.equal((await w.writeTable('segments', segments(ids), { runId: 'r1' })).outcome, 'created');
    assert.equal((await w.writeTable('segments', segments(ids), { runId: 'r1' })).outcome, 'unchanged');
    assert.equal((await w.writeTable('segments', segments(ids, 1), { runId: 'r2' })).outcome, 'replaced');
    const back = await w.scan({ kind: 'table', table: 'segments' });
    assert.deepEqual(Array.from(back.columns[1].values as Float64Array), [1, 2, 0, 1]);
    assert.equal(await w.tableExists('segments'), true);
    await w.close();

    // The .duckdb file is itself a source: its only table is picked when none is named.
    const r = new DuckDBWarehouse();
    const fromFile = await r.scan({ kind: 'file', path: join(dir, 'out.duckdb') }, { userId: 'td_canonical_id' });
    assert.deepEqual(fromFile.columns[0].values, ids);
    await r.close();
  }));

test('a failed write leaves the previous table untouched', () =>
  withDir(async (dir) => {
    const w = new DuckDBWarehouse({ database: join(dir, 'db.duckdb') });
    await w.writeTable('segments', segments(['a', 'b']), { runId: 'r1' });
    const bad: OutputTable = { rowCount: 2, columns: [{ name: 'td_canonical_id', sqlType: 'bigint', values: ['1', 'not-a-number'] }] };
    await assert.rejects(w.writeTable('segments', bad, { runId: 'r2' }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_VALUE');
    const t = await w.scan({ kind: 'table', table: 'segments' });
    assert.deepEqual(t.columns[0].values, ['a', 'b']);
    await w.close();
  }));

test('missing file, table and column are typed input errors; injection in names is rejected', async () => {
  const w = new DuckDBWarehouse();
  try {
    await assert.rejects(w.scan({ kind: 'file', path: '/nonexistent/x.csv' }), (e) => e instanceof WarehouseInputError && e.code === 'TABLE_NOT_FOUND' && e.details.table === '/nonexistent/x.csv');
    await assert.rejects(w.scan({ kind: 'table', table: 'no_such' }), (e) => e instanceof WarehouseInputError && e.code === 'TABLE_NOT_FOUND');
    await assert.rejects(
      w.scan({ kind: 'file', path: CUSTOMERS }, { userId: 'customer_id' }),
      (e) => e instanceof WarehouseInputError && e.code === 'COLUMN_NOT_FOUND' && e.details.column === 'customer_id',
    );
    await assert.rejects(w.scan({ kind: 'file', path: CUSTOMERS }, { userId: 'id"; DROP TABLE x; --' }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER');
    await assert.rejects(w.scan({ kind: 'table', table: 'x; DROP TABLE y' }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER');
    await assert.rejects(w.scan({ kind: 'sql', sql: 'DROP TABLE y' }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_SQL');
    await assert.rejects(
      w.writeTable('t', { rowCount: 1, columns: [{ name: 'x"y', sqlType: 'varchar', values: ['1'] }] }, { runId: 'r' }),
      (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER',
    );
  } finally {
    await w.close();
  }
});
