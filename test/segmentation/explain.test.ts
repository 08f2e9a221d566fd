import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineerFeatures } from '../../src/segmentation/engineer';
import { explainSegments, type CategoricalProfile, type ContinuousProfile } from '../../src/segmentation/explain';
import { quantilesOf, medianOf, quantileSummary, selectRanks } from '../../src/segmentation/stats';
import { Rng } from '../../src/segmentation/rng';
import { cat, ids, num, table } from './tables';

const close = (a: number | null, b: number, eps = 1e-12) => assert.ok(a !== null && Math.abs(a - b) <= eps, `${a} != ${b}`);
const log2 = Math.log2;
const h = (...p: number[]) => -p.filter((x) => x > 0).reduce((s, x) => s + x * log2(x), 0);

describe('explainSegments', () => {
  // segment 0 = rows 0-3 (low spend, mostly red), segment 1 = rows 4-7 (high spend, green / blue)
  const t = table([ids(8), num('spend', [1, 2, 3, 4, 11, 12, 13, 14]), cat('colour', ['r', 'r', 'r', 'g', 'g', 'g', 'b', 'b'])]);
  const e = engineerFeatures(t, { userId: 'id' });
  const labels = Int32Array.from([0, 0, 0, 0, 1, 1, 1, 1]);
  const s = explainSegments(t, e, labels, 2, { bins: 13 });
  const spend = s.features[0] as ContinuousProfile;
  const colour = s.features[1] as CategoricalProfile;

  it('sizes and shares', () => {
    assert.deepEqual(
      s.segments.map((x) => [x.segment, x.size, x.share]),
      [
        [0, 4, 0.5],
        [1, 4, 0.5],
      ],
    );
    assert.equal(s.rowCount, 8);
    assert.equal(s.k, 2);
  });

  it('continuous: moments, medians, quantiles, compactness on the original values', () => {
    close(spend.population.mean, 7.5);
    close(spend.population.std, Math.sqrt(26.25));
    assert.equal(spend.population.median, 7.5);
    assert.equal(spend.segments[0].median, 2.5);
    assert.equal(spend.segments[1].median, 12.5);
    assert.deepEqual(spend.segments[0].quantiles, [1.3, 1.75, 2.5, 3.25, 3.7]);
    close(spend.segments[0].std, Math.sqrt(1.25));
    close(spend.segments[0].compactness, 1 - Math.sqrt(1.25) / Math.sqrt(26.25));
    assert.deepEqual([spend.segments[1].min, spend.segments[1].max], [11, 14]);
  });

  it('continuous: histograms on fixed bins over the population range', () => {
    assert.equal(spend.binEdges.length, 14);
    assert.equal(spend.binEdges[0], 1);
    assert.equal(spend.binEdges[13], 14);
    assert.deepEqual(spend.segments[0].histogram, [1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    assert.deepEqual(spend.segments[1].histogram, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 2]);
    assert.deepEqual(
      spend.population.histogram,
      spend.segments[0].histogram.map((v, i) => v + spend.segments[1].histogram[i]),
    );
  });

  it('categorical: counts per segment, information gain, purity', () => {
    assert.deepEqual(colour.categories, ['g', 'r', 'b']);
    assert.deepEqual(colour.population.counts, [3, 3, 2]);
    assert.deepEqual(colour.segments[0].counts, [1, 3, 0]);
    assert.deepEqual(colour.segments[1].counts, [2, 0, 2]);
    close(colour.informationGain, h(3 / 8, 3 / 8, 2 / 8) - 0.5 * h(1 / 4, 3 / 4) - 0.5 * h(1 / 2, 1 / 2));
    assert.equal(colour.segments[0].purity, 0.75);
    assert.equal(colour.segments[0].dominant, 'r');
    assert.equal(colour.segments[1].purity, 0.5);
  });

  it("distance shares: each feature's part of the centroid's squared distance from the mean, summing to 1", () => {
    // weighted scaled space: spend (v - 1) / 13, colour dummies g, r, b each x 1/3
    const spendPart = ((2.5 - 1) / 13 - (7.5 - 1) / 13) ** 2;
    const colourPart = ((0.25 - 3 / 8) / 3) ** 2 + ((0.75 - 3 / 8) / 3) ** 2 + ((0 - 2 / 8) / 3) ** 2;
    const seg0 = s.segments[0].distanceShares;
    assert.deepEqual(
      seg0.map((x) => x.feature),
      ['spend', 'colour'],
    );
    close(seg0[0].share, spendPart / (spendPart + colourPart));
    close(seg0[1].share, colourPart / (spendPart + colourPart));
    for (const seg of s.segments)
      close(
        seg.distanceShares.reduce((a, x) => a + x.share, 0),
        1,
      );
  });

  it('labels from the top features: high / low for continuous, the over-represented value for categoricals', () => {
    assert.deepEqual(
      s.segments.map((x) => x.label),
      ['low spend, colour=r', 'high spend, colour=b'],
    );
  });

  it('labels stay unique: colliding segments get more features', () => {
    // segments 1 and 2 have the same (high) spend, their first feature; colour (r / b) tells them apart, less
    const spend = [...[1, 2, 1, 2, 1, 2, 1, 2, 1, 2], ...[50, 51, 50, 51, 50, 51, 50, 51, 50, 51], ...[50, 51, 50, 51, 50, 51, 50, 51, 50, 51]];
    const colour = [...'rbrbrbrbrb', ...'rrrrrrbbbb', ...'rrrrbbbbbb'];
    const t3 = table([ids(30), num('spend', spend), cat('colour', colour)]);
    const e3 = engineerFeatures(t3, { userId: 'id' });
    const s3 = explainSegments(
      t3,
      e3,
      Int32Array.from({ length: 30 }, (_, i) => Math.floor(i / 10)),
      3,
      { labelFeatures: 1 },
    );
    assert.deepEqual(
      s3.segments.map((x) => x.label),
      ['low spend', 'high spend, colour=r', 'high spend, colour=b'],
    );
  });

  it('is JSON-serialisable without loss', () => {
    assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  });

  it('reports an empty segment without NaN', () => {
    const s3 = explainSegments(t, e, labels, 3);
    assert.equal(s3.segments[2].size, 0);
    const json = JSON.stringify(s3);
    assert.ok(!json.includes('NaN'));
    assert.equal((s3.features[0] as ContinuousProfile).segments[2].mean, null);
    assert.deepEqual(JSON.parse(json), s3);
  });
});

describe('order statistics', () => {
  it('quantiles and medians equal the sorted definition (numpy linear), with ties', () => {
    const rng = new Rng(5);
    const levels = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 1];
    for (let t = 0; t < 300; t++) {
      const n = 1 + rng.nextInt(60);
      const a = Float64Array.from({ length: n }, () => rng.nextInt(7) - 3 + (t % 2 ? rng.nextFloat() : 0));
      const sorted = Array.from(a).sort((x, y) => x - y);
      const ref = levels.map((q) => {
        const p = (n - 1) * q;
        const f = Math.floor(p);
        return f + 1 < n && p > f ? sorted[f] + (p - f) * (sorted[f + 1] - sorted[f]) : sorted[f];
      });
      const med = n % 2 ? sorted[(n - 1) / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      assert.deepEqual(quantilesOf(a.slice(), levels), ref);
      assert.equal(quantileSummary(a.slice(), levels).median, med);
      assert.equal(medianOf(a.slice()), med);
    }
  });

  it('selectRanks puts every requested rank in place', () => {
    const a = Float64Array.from([9, 1, 8, 2, 7, 3, 6, 4, 5, 0]);
    selectRanks(a, 0, a.length, [7, 2, 5]);
    assert.deepEqual([a[2], a[5], a[7]], [2, 5, 7]);
  });
});
