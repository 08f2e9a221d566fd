/**
 * Readable rules per segment on constructed data whose rules are known: the tree recovers
 * `spend > 500 and country = JP` with precision and coverage 1, thresholds are the shortest
 * decimals that split exactly, dates print as dates, and the result is deterministic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { engineerFeatures } from '../../src/segmentation/engineer';
import { niceThreshold, segmentRules } from '../../src/segmentation/rules';
import { Rng } from '../../src/segmentation/rng';
import type { ColumnarTable } from '../../src/segmentation/table';

function customers(n: number, seed: number): { table: ColumnarTable; labels: Int32Array } {
  const rng = new Rng(seed);
  const spend = new Float64Array(n);
  const visits = new Float64Array(n);
  const since = new Float64Array(n);
  const country: string[] = [];
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const high = rng.nextFloat() < 0.5;
    spend[i] = high ? 501 + rng.nextInt(400) : 100 + rng.nextInt(400);
    country.push(['JP', 'US', 'FR'][rng.nextInt(3)]);
    visits[i] = rng.nextInt(30);
    since[i] = 19_000 + rng.nextInt(700); // epoch days in 2022-2023
    labels[i] = spend[i] > 500 && country[i] === 'JP' ? 0 : spend[i] <= 500 ? 1 : since[i] > 19_358 ? 2 : 3;
  }
  const nulls = new Uint8Array(n);
  return {
    table: {
      name: 'rules',
      rowCount: n,
      columns: [
        { name: 'id', kind: 'categorical', values: Array.from({ length: n }, (_, i) => `c${i}`) },
        { name: 'spend', kind: 'numeric', values: spend, nulls },
        { name: 'country', kind: 'categorical', values: country },
        { name: 'visits', kind: 'numeric', values: visits, nulls },
        { name: 'customer_since', kind: 'numeric', sourceType: 'date', values: since, nulls },
      ],
    },
    labels,
  };
}

test('the known rules are found exactly, with readable thresholds and dates', () => {
  const { table, labels } = customers(4000, 2);
  const { dictionary } = engineerFeatures(table, { userId: 'id', minCategoryShare: 0.1 });
  const rules = segmentRules(table, dictionary, labels, 4, { seed: 1 });
  assert.equal(rules.length, 4);
  const [r0, r1, r2, r3] = rules;
  const conds = (r: (typeof rules)[number]) => r.conditions.map((c) => c.text).sort();
  assert.deepEqual(conds(r0), ['country = JP', 'spend > 500']);
  assert.equal(r0.text, r0.conditions.map((c) => c.text).join(' and '));
  assert.deepEqual([r0.precision, r0.coverage], [1, 1]);
  assert.equal(r1.text, 'spend <= 500');
  assert.deepEqual([r1.precision, r1.coverage], [1, 1]);
  // 19,358 epoch days is 2023-01-01: the split between it and the next day prints as that date.
  assert.deepEqual(conds(r2), ['country != JP', 'customer_since > 2023-01-01', 'spend > 500']);
  assert.deepEqual([r2.precision, r2.coverage], [1, 1]);
  assert.equal(r3.segment, 3);
  assert.ok(r3.precision === 1 && r3.coverage === 1, `${r3.text}: ${r3.precision} ${r3.coverage}`);
  for (const r of rules) assert.equal(r.rows, 4000);
  assert.deepEqual(segmentRules(table, dictionary, labels, 4, { seed: 1 }), rules, 'deterministic');
});

test('depth and sample limits: a depth-1 tree gives one condition; a sample of 500 rows is used when asked', () => {
  const { table, labels } = customers(3000, 5);
  const { dictionary } = engineerFeatures(table, { userId: 'id' });
  const shallow = segmentRules(table, dictionary, labels, 4, { seed: 1, maxDepth: 1 });
  for (const r of shallow) assert.equal(r.conditions.length, 1, r.text);
  const sampled = segmentRules(table, dictionary, labels, 4, { seed: 1, sampleSize: 500 });
  for (const r of sampled) assert.equal(r.rows, 500);
});

test('niceThreshold: the shortest decimal in [a, b)', () => {
  assert.equal(niceThreshold(499, 501), 500);
  assert.equal(niceThreshold(511.3, 514.2), 512);
  assert.equal(niceThreshold(0.123, 0.125), 0.123);
  assert.equal(niceThreshold(0.1234, 0.1236), 0.1234);
  assert.equal(niceThreshold(0.12341, 0.1236), 0.1235);
  assert.equal(niceThreshold(-3.5, -1.2), -3);
  assert.equal(niceThreshold(7, 8), 7);
  assert.equal(niceThreshold(1e6 - 1, 1e6 + 1), 1e6);
});
