import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sampleSelect } from '../../src/warehouse/trino-sample';
import { queryRows } from '../helpers/trino';

const ids = async (sql: string): Promise<string[]> => (await queryRows(sql)).map((r) => String(r[0]));

test('the SQL sample is seeded, exact in size, and independent of row order and splits', async () => {
  const sample = (from: string, seed: number, size = 1000) => ids(sampleSelect({ from, userId: 'custkey', seed, size, select: 'CAST(custkey AS varchar)' }));
  const base = await sample('tpch.sf1.customer', 7);
  assert.equal(base.length, 1000);
  assert.equal(new Set(base).size, 1000, 'no id twice');
  // The same rows, read in another order and as two unioned halves.
  const shuffled = await sample('(SELECT * FROM tpch.sf1.customer ORDER BY reverse(name)) AS s', 7);
  const halves = await sample('(SELECT * FROM tpch.sf1.customer WHERE custkey % 2 = 0 UNION ALL SELECT * FROM tpch.sf1.customer WHERE custkey % 2 = 1) AS s', 7);
  assert.deepEqual(shuffled, base);
  assert.deepEqual(halves, base);
  // Another seed, another sample (overlap near the expected 1000 * 1000 / 150000 ~ 7).
  const other = await sample('tpch.sf1.customer', 8);
  const overlap = other.filter((id) => base.includes(id)).length;
  assert.ok(overlap < 50, `seeds 7 and 8 share ${overlap} of 1000 rows`);
  // Uniform: the sample's mean custkey is near the table's (75,000; sd of the mean ~1,370).
  const mean = base.reduce((a, b) => a + Number(b), 0) / base.length;
  assert.ok(Math.abs(mean - 75_000) < 6_000, `sample mean custkey ${mean}`);
  // With the row count, the top-n sees only keys under a bound: the same sample. A count far
  // above the table's (the bound too tight) returns fewer rows, which the caller detects.
  const sampled = (rows: number) => ids(sampleSelect({ from: 'tpch.sf1.customer', userId: 'custkey', seed: 7, size: 1000, rows, select: 'CAST(custkey AS varchar)' }));
  assert.deepEqual(await sampled(150_000), base);
  assert.ok(sampleSelect({ from: 't', userId: 'id', seed: 7, size: 1000, rows: 150_000 }).includes("< X'"), 'the bound is used');
  assert.ok((await sampled(15_000_000)).length < 1000);
  assert.equal(sampleSelect({ from: 't', userId: 'id', seed: 7, size: 1000, rows: 1200 }).includes('WHERE'), false, 'no bound when it would keep nearly every row');
  // Smaller than the sample: the whole table.
  assert.equal((await sample('tpch.tiny.customer', 7, 5000)).length, 1500);
});

test('sample parameters are validated before any SQL is built', () => {
  assert.throws(() => sampleSelect({ from: 't', userId: 'id', seed: -1, size: 10 }), /seed -1/);
  assert.throws(() => sampleSelect({ from: 't', userId: 'id', seed: 1, size: 0 }), /size 0/);
  assert.throws(() => sampleSelect({ from: 't', userId: 'id" OR 1=1 --', seed: 1, size: 10 }), /not a plain identifier/);
});
