import { test } from 'node:test';
import assert from 'node:assert/strict';
import { matrix, type Matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';
import { fitOnSample, sampleSilhouettes, scoreK, scoreKs, silhouetteScore } from '../../src/segmentation/scoring';
import { silhouetteScores } from '../../src/segmentation/silhouette';
import { sqDistJs } from '../../src/segmentation/wasm/pairwise';
import { silhouetteModuleBytes, silhouetteModuleWat, silhouetteTiles } from '../../src/segmentation/wasm/silhouetteTiles';
import { setKernelBackend, wasmSimdSupported } from '../../src/segmentation/wasm/engine';
import { blobs } from './blobs';

/** Textbook silhouette (Rousseeuw, scikit-learn's conventions), independent of the tiled pass. */
function naive(m: Matrix, labels: Int32Array, k: number): number {
  const n = m.rows;
  const d = m.cols;
  const sizes = new Array<number>(k).fill(0);
  for (const l of labels) sizes[l]++;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const sums = new Array<number>(k).fill(0);
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      let s = 0;
      for (let t = 0; t < d; t++) s += (m.data[i * d + t] - m.data[j * d + t]) ** 2;
      sums[labels[j]] += Math.sqrt(s);
    }
    const li = labels[i];
    if (sizes[li] === 1) continue;
    const a = sums[li] / (sizes[li] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) if (c !== li && sizes[c] > 0) b = Math.min(b, sums[c] / sizes[c]);
    total += (b - a) / Math.max(a, b);
  }
  return total / n;
}

/** n rows: `dense` uniform columns then `dummies` 0/1 columns. */
function mixed(n: number, dense: number, dummies: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const d = dense + dummies;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = j < dense ? rng.nextFloat() * 3 - 1 : rng.nextFloat() < 0.3 ? 1 : 0;
  return matrix(n, d, data);
}

function randomLabels(n: number, k: number, rng: Rng): Int32Array {
  const l = new Int32Array(n);
  for (let i = 0; i < n; i++) l[i] = rng.nextInt(k);
  return l;
}

test('several labelings in one pass equal the textbook silhouette of each, incl. empty and singleton clusters', () => {
  const n = 301; // not a multiple of the tile
  for (const [dense, dummies] of [
    [3, 0],
    [7, 12],
    [1, 0],
  ]) {
    const m = mixed(n, dense, dummies, 11 + dense);
    const rng = new Rng(dense);
    const labelings: Int32Array[] = [];
    const ks: number[] = [];
    for (const k of [2, 3, 5, 8]) {
      labelings.push(randomLabels(n, k, rng));
      ks.push(k);
    }
    // cluster 2 of k = 4 empty; clusters 3 and 4 of k = 5 singletons
    const gappy = randomLabels(n, 2, rng);
    labelings.push(gappy.map((l) => (l === 1 ? 3 : 0)));
    ks.push(4);
    const singles = randomLabels(n, 3, rng);
    singles[17] = 3;
    singles[200] = 4;
    labelings.push(singles);
    ks.push(5);
    const all = silhouetteScores(m, labelings, ks);
    assert.equal(all.length, labelings.length);
    labelings.forEach((l, q) => {
      const want = naive(m, l, ks[q]);
      assert.ok(Math.abs(all[q] - want) <= 1e-12, `d=${m.cols} k=${ks[q]}: ${all[q]} vs ${want}`);
      // one labeling at a time gives the same bits as all at once
      assert.ok(Object.is(silhouetteScore(m, l, ks[q]), all[q]));
      assert.ok(Object.is(silhouetteScores(m, [l], [ks[q]])[0], all[q]));
    });
  }
});

test('singleton clusters score 0: two singletons and the rest in one cluster', () => {
  const m = matrix(4, 1, new Float64Array([0, 1, 2, 10]));
  // rows 0..2 in cluster 0; row 3 alone in cluster 1 (s = 0)
  const labels = new Int32Array([0, 0, 0, 1]);
  assert.ok(Math.abs(silhouetteScore(m, labels, 2) - naive(m, labels, 2)) <= 1e-15);
  // every row but one alone: only the pair scores
  const pairs = new Int32Array([0, 0, 1, 2]);
  const [s] = silhouetteScores(m, [pairs], [3]);
  const a = 1; // rows 0 and 1 are 1 apart
  const b0 = 2; // row 0 -> row 2
  const b1 = 1; // row 1 -> row 2
  assert.ok(Math.abs(s - ((b0 - a) / Math.max(a, b0) + (b1 - a) / Math.max(a, b1)) / 4) <= 1e-15);
});

test('deterministic: the same bits on every call, and the JavaScript kernel gives the WebAssembly bits', () => {
  const m = mixed(200, 9, 14, 5);
  const rng = new Rng(9);
  const labelings = [2, 4, 6].map((k) => randomLabels(200, k, rng));
  const first = silhouetteScores(m, labelings, [2, 4, 6]);
  assert.deepEqual(silhouetteScores(m, labelings, [2, 4, 6]), first);
  for (const d of [1, 2, 3, 23, 264]) {
    const x = mixed(9, d, 0, d).data;
    const js = new Float64Array(9);
    sqDistJs(x, d, 0, 0, 9, js);
    const direct = Array.from({ length: 9 }, (_, j) => {
      let s = 0;
      for (let t = 0; t < d; t++) s += (x[t] - x[j * d + t]) ** 2;
      return s;
    });
    js.forEach((v, j) => assert.ok(Math.abs(v - direct[j]) <= 1e-12 * Math.max(1, direct[j])));
    if (!wasmSimdSupported()) continue;
    const w = silhouetteTiles(x, 9, d, 9, [new Int32Array(9)], [1]);
    assert.ok(w !== undefined);
    w.tile(0, 9, 0, 9);
    for (let i = 0; i < 9; i++) {
      sqDistJs(x, d, i, 0, 9, js);
      for (let j = i + 1; j < 9; j++) assert.equal(w.dist[i * 9 + j], Math.sqrt(js[j]), `d = ${d}, rows ${i}, ${j}`);
    }
  }
  // the whole pass, tiles and folds, without WebAssembly: the same bits
  try {
    setKernelBackend('js');
    assert.deepEqual(silhouetteScores(m, labelings, [2, 4, 6]), first);
  } finally {
    setKernelBackend('auto');
  }
});

test('the silhouette module is the bytes wabt assembles from its text', async () => {
  const wabt = await (
    require('wabt') as () => Promise<{
      parseWat(f: string, s: string, o: object): { validate(o: object): void; toBinary(o: object): { buffer: Uint8Array } };
    }>
  )();
  const features = { simd: true, threads: true };
  for (const d of [1, 4, 23]) {
    const parsed = wabt.parseWat(`silhouette-${d}.wat`, silhouetteModuleWat(d), features);
    parsed.validate(features);
    assert.ok(Buffer.from(parsed.toBinary({ canonicalize_lebs: true }).buffer).equals(Buffer.from(silhouetteModuleBytes(d))), `d = ${d}`);
  }
});

test('rejects mismatched labelings and ks, and bad labels', () => {
  const m = mixed(10, 2, 0, 1);
  assert.throws(() => silhouetteScores(m, [new Int32Array(10)], [2, 3]), RangeError);
  assert.throws(() => silhouetteScores(m, [new Int32Array(10)], [2]), RangeError); // one cluster
  assert.throws(() => silhouetteScores(m, [new Int32Array(9)], [2]), RangeError);
  assert.deepEqual(silhouetteScores(m, [], []), []);
});

test('scoreKs returns exactly what scoreK returns for each k', () => {
  const { m } = blobs(4, 100, 3, 21);
  const opts = { seed: 3, sampleSize: 250, nInit: 2 };
  const ks = [2, 3, 4, 5];
  const many = scoreKs(m, ks, opts);
  assert.deepEqual(
    many,
    ks.map((k) => scoreK(m, { ...opts, k })),
  );
  assert.deepEqual(scoreKs(m, [], opts), []);
});

test('the workflow split (fitOnSample per k, then sampleSilhouettes once) gives exactly scoreK for each k', () => {
  const { m } = blobs(4, 100, 3, 22);
  const opts = { seed: 5, sampleSize: 250, nInit: 2 };
  const ks = [2, 3, 4, 5];
  const fits = ks.map((k) => fitOnSample(m, { ...opts, k }));
  const silhouettes = sampleSilhouettes(
    m,
    opts,
    fits.map((f) => f.labels),
    ks,
  );
  ks.forEach((k, q) => {
    const whole = scoreK(m, { ...opts, k });
    assert.deepEqual({ ...fits[q].score, silhouette: silhouettes[q] }, { ...whole });
  });
});
