import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trinoUrl } from '../helpers/trino';
import { engineerFeatures } from '../../src/segmentation/engineer';
import { droppedByDistinctCount } from '../../src/segmentation/profile';
import { sortByUserId } from '../../src/segmentation/rowOrder';
import { TrinoWarehouse } from '../../src/warehouse';

/**
 * Worker mode on Trino: text columns that their distinct count alone drops are counted in Trino
 * and never sent (ScanOptions.countOnly). The dictionary and matrix must be exactly those of a
 * scan that reads every value; a SQL source is read whole.
 */
test('Trino counts the droppable text columns instead of sending them; engineering is unchanged', { timeout: 120_000 }, async () => {
  const w = new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'tpch', schema: 'tiny' });
  try {
    const countOnly = (c: string, d: number, rows: number) => droppedByDistinctCount(c, d, rows, 0.1);
    const read = sortByUserId(await w.scan({ kind: 'table', table: 'customer' }, { userId: 'custkey' }), 'custkey');
    const counted = sortByUserId(await w.scan({ kind: 'table', table: 'customer' }, { userId: 'custkey', countOnly }), 'custkey');
    const kinds = Object.fromEntries(counted.columns.map((c) => [c.name, c.kind]));
    assert.deepEqual(kinds, { custkey: 'categorical', name: 'counted', address: 'counted', nationkey: 'numeric', phone: 'counted', acctbal: 'numeric', mktsegment: 'categorical', comment: 'counted' });
    for (const c of counted.columns) {
      if (c.kind !== 'counted') continue;
      const values = read.columns.find((r) => r.name === c.name)!.values as (string | null)[];
      assert.equal(c.distinctCount, new Set(values).size, c.name);
      assert.equal(c.nullCount, values.filter((v) => v === null).length, c.name);
    }
    const options = { userId: 'custkey', minCategoryShare: 0.1 };
    const a = engineerFeatures(read, options);
    const b = engineerFeatures(counted, options);
    assert.deepEqual(b.dictionary, a.dictionary);
    assert.deepEqual(Array.from(b.matrix.data), Array.from(a.matrix.data));
    const sql = await w.scan({ kind: 'sql', sql: 'SELECT * FROM tpch.tiny.customer' }, { userId: 'custkey', countOnly });
    assert.ok(
      sql.columns.every((c) => c.kind !== 'counted'),
      'a SQL source is read whole',
    );
  } finally {
    await w.close();
  }
});
