/**
 * Per-customer reasons computed inside Trino (the model SELECT's `reasons` option) equal the
 * in-process attribution (attribution.ts customerReasons) for every customer, so both engines
 * write the same reason_1..reason_3 columns.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { assign, encodeWithModel, segment, type SegmentationModel } from '../../src/segmentation';
import { customerReasons } from '../../src/segmentation/attribution';
import { TrinoWarehouse } from '../../src/warehouse';
import { modelSelect } from '../../src/warehouse/sql-model/modelSelect';

const SOURCE = 'tpch.tiny.customer';

test('tpch.tiny.customer: reason_1..reason_3 from the SELECT equal the in-process attribution for every customer', { timeout: 300_000 }, async () => {
  const w = new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
  let table;
  try {
    table = await w.scan({ kind: 'table', table: SOURCE }, { userId: 'custkey' });
  } finally {
    await w.close();
  }
  const fit = segment(table, { userId: 'custkey', k: 4, nInit: 3 });
  const model = JSON.parse(JSON.stringify(fit.model)) as SegmentationModel;
  const labels = assign(model, table);
  const m = encodeWithModel(model, table);
  const expected = customerReasons(m, labels, Float64Array.from(model.centroids.flat()), model.k, model.featureColumns, 3);
  const ids = table.columns.find((c) => c.name === 'custkey');
  assert.ok(ids);
  const rows = await queryRows(`SELECT CAST(custkey AS varchar), segment, reason_1, reason_2, reason_3 FROM (\n${modelSelect(model, { table: SOURCE }, { reasons: 3 })}\n) AS compiled`);
  assert.equal(rows.length, table.rowCount);
  const sql = new Map(rows.map(([id, s, r1, r2, r3]) => [String(id), { segment: Number(s), reasons: [r1, r2, r3] }]));
  const features = new Set(model.dictionary.columns.filter((c) => c.treatment === 'continuous' || c.treatment === 'binary' || c.treatment === 'dummies').map((c) => c.column));
  let mismatches = 0;
  for (let i = 0; i < table.rowCount; i++) {
    const id = String((ids as { values: ArrayLike<unknown> }).values[i]);
    const got = sql.get(id);
    assert.ok(got, `customer ${id} missing`);
    assert.equal(got.segment, labels[i]);
    const want = [expected[0][i], expected[1][i], expected[2][i]];
    if (JSON.stringify(got.reasons) !== JSON.stringify(want)) mismatches++;
    for (const r of want) assert.ok(features.has(r), `${r} is a feature`);
    assert.equal(new Set(want).size, 3, 'three different features');
  }
  assert.equal(mismatches, 0, `${mismatches} customers with other reasons in SQL`);
  assert.ok(new Set(expected[0]).size >= 2, 'customers differ in their first reason');
});
