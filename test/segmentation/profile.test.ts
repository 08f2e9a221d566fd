import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { dictionaryFromProfiles, engineerFeatures } from '../../src/segmentation/engineer';
import { exactSum, scaledBigIntToDouble } from '../../src/segmentation/exactSum';
import { noValueCanBeKept, profileColumn } from '../../src/segmentation/profile';
import { Rng } from '../../src/segmentation/rng';
import { cat, customers, ids, num, rep, table } from './tables';

/** The exact sum of doubles as BigInt * 2^-1074, rounded once. */
function referenceSum(xs: Float64Array): number {
  let total = 0n;
  const buf = new DataView(new ArrayBuffer(8));
  for (const x of xs) {
    buf.setFloat64(0, x);
    const hi = buf.getUint32(0);
    const exp = (hi >>> 20) & 0x7ff;
    const mant = (BigInt(hi & 0xfffff) << 32n) | BigInt(buf.getUint32(4));
    const m = exp === 0 ? mant : mant | (1n << 52n);
    const shift = BigInt(Math.max(exp, 1) - 1);
    total += (x < 0 ? -m : m) << shift; // value * 2^1074
  }
  return scaledBigIntToDouble(total, -1074);
}

describe('column profiles', () => {
  it('exactSum is the correctly rounded sum, independent of order', () => {
    const r = new Rng(7);
    const rng = (): number => r.nextFloat();
    for (let t = 0; t < 200; t++) {
      const n = 1 + Math.floor(rng() * 300);
      const xs = new Float64Array(n);
      for (let i = 0; i < n; i++) xs[i] = (rng() - 0.5) * 10 ** Math.floor(rng() * 30 - 15) + (t % 3 === 0 ? 1e16 : 0);
      const s = exactSum(xs);
      assert.equal(s, referenceSum(xs));
      assert.equal(exactSum(xs.slice().reverse()), s);
    }
    assert.equal(exactSum(new Float64Array([1e16, 1, 1, -1e16])), 2);
    assert.equal(exactSum(new Float64Array([0.1, 0.2, 0.3])), 0.6);
  });

  it('dictionaryFromProfiles equals engineerFeatures on the same table', () => {
    const cases = [
      customers(500, 3),
      table([
        ids(12),
        num('flag', [1, 2, 1, 2, null, 1, 2, 1, 2, 1, 2, 2]),
        cat('tier', ['a', 'b', null, 'a', 'c', 'c', 'a', 'b', null, 'a', 'd', 'e']),
        num('amount', [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, null]),
        cat('k', rep('x', 12)),
        num('user_id2', [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 11]),
      ]),
    ];
    for (const t of cases) {
      const userId = t.columns[0].name;
      for (const options of [{ userId }, { userId, minCategoryShare: 0.2, maxNullShare: 1, priority: { high: [t.columns[1].name] } }]) {
        const worker = engineerFeatures(t, options);
        const profiles = t.columns.map((c) => profileColumn(t.rowCount, c, worker.options.minCategoryShare));
        const plan = dictionaryFromProfiles({ name: t.name, rowCount: t.rowCount, profiles, userId: { nullCount: 0, distinctCount: t.rowCount } }, options);
        assert.deepEqual(plan.dictionary, worker.dictionary);
        assert.deepEqual(plan.featureColumns, worker.featureColumns);
        assert.deepEqual(plan.scaler, worker.scaler);
        assert.deepEqual(plan.weights, worker.weights);
      }
    }
  });

  it('a categorical with too many distinct values for any to reach minCategoryShare is dropped by its count, its values not listed', () => {
    // 400 rows, 1%: a value needs 4 rows. 'a' on 4 rows + 396 unique = 397 distinct: 'a' is kept.
    // 'a' on 3 rows + 397 unique = 398 distinct > 1 + 400 - 4: no value can be kept, whatever they are.
    const unique = (k: number): string[] => Array.from({ length: k }, (_, i) => `u${i}`);
    assert.equal(noValueCanBeKept(397, 400, 0.01), false);
    assert.equal(noValueCanBeKept(398, 400, 0.01), true);
    // The smallest count c with c / n >= share as the engine computes it (float): 0.07 * 100 = 7.000000000000001.
    assert.equal(noValueCanBeKept(93, 100, 0.07), false);
    assert.equal(noValueCanBeKept(95, 100, 0.07), true);
    const keeps = engineerFeatures(
      table([
        ids(400),
        cat('code', [...rep('a', 4), ...unique(396)]),
        num(
          'x',
          Array.from({ length: 400 }, (_, i) => i),
        ),
      ]),
      { userId: 'id', minCategoryShare: 0.01 },
    );
    const kept = keeps.dictionary.columns.find((c) => c.column === 'code')!;
    assert.equal(kept.treatment, 'dummies');
    const drops = engineerFeatures(
      table([
        ids(400),
        cat('code', [...rep('a', 3), ...unique(397)]),
        num(
          'x',
          Array.from({ length: 400 }, (_, i) => i),
        ),
      ]),
      { userId: 'id', minCategoryShare: 0.01 },
    );
    const dropped = drops.dictionary.columns.find((c) => c.column === 'code')!;
    assert.equal(dropped.treatment, 'dropped');
    assert.ok(dropped.treatment === 'dropped');
    assert.match(dropped.detail, /^398 distinct values on 400 rows: no value can be on >= 1\.0% of rows/);
    const profile = profileColumn(400, cat('code', [...rep('a', 3), ...unique(397)]), 0.01);
    assert.deepEqual(profile.stats, { distinctCount: 398, top: [] });
  });
});
