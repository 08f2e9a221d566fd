import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kmeans } from '../../src/segmentation/kmeans';
import { matrix, takeRows, type Matrix } from '../../src/segmentation/matrix';
import { Rng, sampleIndices } from '../../src/segmentation/rng';
import { calinskiHarabasz, fullInertia, inertiaOf, scoreK, silhouetteScore } from '../../src/segmentation/scoring';
import { blobs } from './blobs';

function dist(m: Matrix, i: number, j: number): number {
  let s = 0;
  for (let t = 0; t < m.cols; t++) s += (m.data[i * m.cols + t] - m.data[j * m.cols + t]) ** 2;
  return Math.sqrt(s);
}

/** Textbook O(n^2) silhouette (Rousseeuw), written independently of the tiled one. */
function naiveSilhouette(m: Matrix, labels: Int32Array): number {
  const ids = [...new Set(labels)];
  let total = 0;
  for (let i = 0; i < m.rows; i++) {
    const mean = (c: number, self: boolean): number => {
      let s = 0;
      let n = 0;
      for (let j = 0; j < m.rows; j++)
        if (labels[j] === c && j !== i) {
          s += dist(m, i, j);
          n++;
        }
      return self ? (n === 0 ? NaN : s / n) : s / n;
    };
    const a = mean(labels[i], true);
    if (Number.isNaN(a)) continue;
    const b = Math.min(...ids.filter((c) => c !== labels[i]).map((c) => mean(c, false)));
    total += (b - a) / Math.max(a, b);
  }
  return total / m.rows;
}

/** Calinski-Harabasz from its definition: tr(B) / tr(W) * (n - K) / (K - 1). */
function naiveCH(m: Matrix, labels: Int32Array): number {
  const ids = [...new Set(labels)];
  const d = m.cols;
  const rowsOf = (c: number): number[] => [...labels.keys()].filter((i) => labels[i] === c);
  const centroid = (rows: number[]): number[] => Array.from({ length: d }, (_, j) => rows.reduce((s, i) => s + m.data[i * d + j], 0) / rows.length);
  const all = centroid([...labels.keys()]);
  let B = 0;
  let W = 0;
  for (const c of ids) {
    const rows = rowsOf(c);
    const mu = centroid(rows);
    B += rows.length * mu.reduce((s, v, j) => s + (v - all[j]) ** 2, 0);
    for (const i of rows) for (let j = 0; j < d; j++) W += (m.data[i * d + j] - mu[j]) ** 2;
  }
  return (B / W) * ((m.rows - ids.length) / (ids.length - 1));
}

test('silhouette equals a naive O(n^2) reference to 1e-12 (incl. singleton and empty clusters)', () => {
  for (const [n, d, k, seed] of [
    [300, 5, 4, 1],
    [517, 20, 7, 2],
    [260, 3, 3, 3],
  ] as const) {
    const rng = new Rng(seed);
    const m = matrix(
      n,
      d,
      Float64Array.from({ length: n * d }, () => rng.nextFloat()),
    );
    const labels = Int32Array.from({ length: n }, () => rng.nextInt(k - 1)); // label k-1 unused: an empty cluster
    labels[7] = k - 1; // ...now a singleton instead
    const got = silhouetteScore(m, labels, k);
    const want = naiveSilhouette(m, labels);
    assert.ok(Math.abs(got - want) <= 1e-12, `n=${n}: ${got} vs ${want}`);
    const empty = Int32Array.from(labels, (l) => (l === k - 1 ? 0 : l));
    assert.ok(Math.abs(silhouetteScore(m, empty, k) - naiveSilhouette(m, empty)) <= 1e-12);
  }
});

test('silhouette is near 1 on well-separated blobs and rejects a single cluster', () => {
  const { m, truth } = blobs(3, 50, 4, 4, 0.01);
  assert.ok(silhouetteScore(m, truth, 3) > 0.95);
  assert.throws(() => silhouetteScore(m, new Int32Array(m.rows), 3), /between 2 and rows - 1/);
  assert.throws(() => silhouetteScore(m, truth.subarray(1), 3), /149 labels for 150 rows/);
  assert.throws(
    () =>
      silhouetteScore(
        m,
        Int32Array.from(truth, (l) => l + 1),
        3,
      ),
    /label 3 of row 2 is outside \[0, 3\)/,
  );
});

test('Calinski-Harabasz equals its formula', () => {
  for (const seed of [1, 2, 3]) {
    const { m } = blobs(4, 80, 6, seed, 1.5);
    const r = kmeans(m, { k: 4, seed, nInit: 2 });
    const got = calinskiHarabasz(m, r.labels, 4);
    const want = naiveCH(m, r.labels);
    assert.ok(Math.abs(got - want) <= 1e-10 * want, `${got} vs ${want}`);
  }
  const m = matrix(4, 1, Float64Array.from([1, 1, 2, 2]));
  assert.equal(calinskiHarabasz(m, Int32Array.from([0, 0, 1, 1]), 2), 1, 'no within-cluster dispersion');
});

test('scoreK fits on the seeded sample and is deterministic', () => {
  const { m } = blobs(5, 400, 8, 6, 0.8);
  const a = scoreK(m, { k: 5, seed: 9, sampleSize: 700, nInit: 3 });
  const b = scoreK(m, { k: 5, seed: 9, sampleSize: 700, nInit: 3 });
  assert.deepEqual(a, b);
  assert.equal(a.sampleSize, 700);
  const sample = takeRows(m, sampleIndices(m.rows, 700, 9));
  const fit = kmeans(sample, { k: 5, seed: 9, nInit: 3 });
  assert.equal(a.inertia, fit.inertia);
  assert.equal(a.silhouette, silhouetteScore(sample, fit.labels, 5));
  assert.equal(a.calinskiHarabasz, calinskiHarabasz(sample, fit.labels, 5));
  const all = scoreK(m, { k: 5, seed: 9, sampleSize: 1e6, nInit: 1 });
  assert.equal(all.sampleSize, m.rows);
});

test('inertia of the full matrix against given centroids matches the fit', () => {
  const { m } = blobs(3, 100, 4, 2, 1);
  const r = kmeans(m, { k: 3, seed: 1, nInit: 2 });
  assert.equal(inertiaOf(m, r.centroids, 3), r.inertia);
  assert.equal(fullInertia(m, r.centroids, 3), r.inertia);
});

test('scoreK validates its parameters', () => {
  const { m } = blobs(3, 10, 2, 1);
  assert.throws(() => scoreK(m, { k: 1, seed: 1, sampleSize: 20 }), /k must be an integer >= 2/);
  assert.throws(() => scoreK(m, { k: 20, seed: 1, sampleSize: 20 }), /smaller than the number of rows \(20\)/);
  assert.throws(() => scoreK(m, { k: 2, seed: 1, sampleSize: 0 }), /sampleSize must be an integer >= 3/);
  assert.throws(() => scoreK(m, { k: 2, seed: 1.5, sampleSize: 10 }), /seed must be a safe integer/);
});
