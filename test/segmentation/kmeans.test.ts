import { test } from 'node:test';
import assert from 'node:assert/strict';
import { absoluteTolerance, kmeans, kmeansForKs, kmeansParallel } from '../../src/segmentation/kmeans';
import { UNROLL_LIMIT } from '../../src/segmentation/kernels';
import { expandedSq, jsSeeder, kmeansPlusPlus, seederFor, trialsFor } from '../../src/segmentation/kmeansInit';
import { relocateEmptyClusters, runLloydSync } from '../../src/segmentation/lloyd';
import { matrix, type Matrix } from '../../src/segmentation/matrix';
import { nearestCentroids } from '../../src/segmentation/distance';
import { Rng } from '../../src/segmentation/rng';
import { blobs } from './blobs';

function bytes(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Naive nearest centroid and squared distance per row. */
function bruteForce(m: Matrix, centroids: Float64Array, k: number): { labels: Int32Array; inertia: number } {
  const labels = new Int32Array(m.rows);
  let inertia = 0;
  for (let i = 0; i < m.rows; i++) {
    const dists = [];
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < m.cols; j++) s += (m.data[i * m.cols + j] - centroids[c * m.cols + j]) ** 2;
      dists.push(s);
    }
    const best = dists.indexOf(Math.min(...dists));
    labels[i] = best;
    inertia += dists[best];
  }
  return { labels, inertia };
}

test('well-separated blobs are recovered exactly (up to renaming)', () => {
  for (const [k, d, seed] of [
    [3, 2, 1],
    [5, 4, 2],
    [8, 20, 3],
  ] as const) {
    const { m, truth } = blobs(k, 60, d, seed, 0.02);
    const r = kmeans(m, { k, seed: 11 });
    const map = new Map<number, number>();
    for (let i = 0; i < m.rows; i++) {
      const seen = map.get(truth[i]);
      if (seen === undefined) map.set(truth[i], r.labels[i]);
      else assert.equal(r.labels[i], seen, `row ${i} split from its blob`);
    }
    assert.equal(new Set(map.values()).size, k, 'every blob is its own cluster');
  }
});

test('labels, inertia and centroids agree with a brute-force computation', () => {
  const { m } = blobs(4, 150, 6, 5, 0.6);
  const r = kmeans(m, { k: 4, seed: 3, nInit: 3 });
  const bf = bruteForce(m, r.centroids, 4);
  assert.deepEqual(Array.from(r.labels), Array.from(bf.labels));
  assert.ok(Math.abs(r.inertia - bf.inertia) <= 1e-9 * bf.inertia, `${r.inertia} vs ${bf.inertia}`);
  // converged: each centroid is (within tolerance) the mean of its rows
  for (let c = 0; c < 4; c++) {
    for (let j = 0; j < m.cols; j++) {
      let s = 0;
      let n = 0;
      for (let i = 0; i < m.rows; i++)
        if (r.labels[i] === c) {
          s += m.data[i * m.cols + j];
          n++;
        }
      assert.ok(Math.abs(s / n - r.centroids[c * m.cols + j]) < 1e-2);
    }
  }
  // the exported assignment gives the same labels and the same inertia, bit for bit
  const nc = nearestCentroids(m, r.centroids, 4);
  assert.deepEqual(bytes(nc.labels), bytes(r.labels));
  assert.equal(nc.inertia, r.inertia);
});

test('more restarts never give a higher inertia than the best single restart among them', () => {
  const { m } = blobs(6, 40, 3, 9, 2.5);
  const all = kmeans(m, { k: 6, seed: 4, nInit: 8 });
  const one = kmeans(m, { k: 6, seed: 4, nInit: 1 });
  assert.ok(all.inertia <= one.inertia);
});

test('same input and seed give byte-identical output; the seed matters', () => {
  const { m } = blobs(5, 200, 7, 8, 3);
  const a = kmeans(m, { k: 5, seed: 42, nInit: 4 });
  const b = kmeans(m, { k: 5, seed: 42, nInit: 4 });
  assert.deepEqual(bytes(a.centroids), bytes(b.centroids));
  assert.deepEqual(bytes(a.labels), bytes(b.labels));
  assert.equal(a.inertia, b.inertia);
  assert.equal(a.iterations, b.iterations);
  const inits = new Set<string>();
  for (let s = 0; s < 5; s++) inits.add(bytes(kmeansPlusPlus(m, 5, new Rng(s))).toString('hex'));
  assert.ok(inits.size > 1, 'different seeds give different seeds of centres');
});

test('kmeansForKs: every k byte-identical to its own kmeans call, any order of k, shared seedings or not', () => {
  const { m } = blobs(6, 60, 9, 21, 0.4);
  // 2 (2 candidates), 3..7 (3) and 8..10 (4): three seedings shared by 1, 5 and 3 values of k
  const ks = [10, 2, 5, 8, 3, 7, 4, 9, 6];
  const many = kmeansForKs(m, ks, { seed: 5, nInit: 3 });
  ks.forEach((k, q) => {
    const one = kmeans(m, { k, seed: 5, nInit: 3 });
    assert.deepEqual(bytes(many[q].centroids), bytes(one.centroids), `k=${k} centroids`);
    assert.deepEqual(bytes(many[q].labels), bytes(one.labels), `k=${k} labels`);
    assert.equal(many[q].inertia, one.inertia);
    assert.equal(many[q].iterations, one.iterations);
  });
  // the property it rests on: a seeding's first rows are the seeding of a smaller k with as many candidates
  assert.equal(trialsFor(5), trialsFor(7));
  const seven = kmeansPlusPlus(m, 7, new Rng(11));
  assert.deepEqual(bytes(kmeansPlusPlus(m, 5, new Rng(11))), bytes(seven.subarray(0, 5 * m.cols)));
  assert.notEqual(trialsFor(7), trialsFor(8));
  assert.notDeepEqual(bytes(kmeansPlusPlus(m, 8, new Rng(11)).subarray(0, 7 * m.cols)), bytes(seven), 'a different candidate count draws differently');
  assert.deepEqual(kmeansForKs(m, [], { seed: 5 }), []);
  assert.throws(() => kmeansForKs(m, [3, 1], { seed: 5 }), /k/);
});

test('the k-means++ candidate pass: min(closest, ||x||^2 + ||c||^2 - 2 x.c clipped at 0), its potential summed in row order', () => {
  const { m } = blobs(3, 40, 6, 17, 0.3);
  const data = m.data;
  data.set(data.subarray(5 * 6, 6 * 6), 7 * 6); // row 7 duplicates row 5: its expansion rounds to about 0, clipped
  for (const seeder of [jsSeeder(m, 3), seederFor(m, 3)]) {
    seeder.closest.fill(Infinity).fill(0.5, 0, 10);
    for (let t = 0; t < 3; t++) {
      seeder.candRows.set(data.subarray((5 + t) * 6, (6 + t) * 6), t * 6);
      seeder.candNorms[t] = seeder.norms[5 + t];
    }
    const pots = new Float64Array(3).fill(1);
    seeder.run(pots);
    for (let t = 0; t < 3; t++) {
      let pot = 0;
      for (let i = 0; i < m.rows; i++) {
        let dot = 0;
        let norm = 0;
        for (let j = 0; j < 6; j++) {
          dot += data[i * 6 + j] * data[(5 + t) * 6 + j];
          norm += data[i * 6 + j] * data[i * 6 + j];
        }
        assert.equal(seeder.norms[i], norm);
        const e = expandedSq(norm, seeder.norms[5 + t], dot);
        assert.ok(e >= 0);
        const v = i < 10 ? Math.min(0.5, e) : e;
        assert.equal(seeder.trial[t * m.rows + i], v, `row ${i}, candidate ${t}`);
        pot += v;
      }
      assert.equal(pots[t], 1 + pot);
    }
  }
});

test('k-means++ picks k distinct data rows, far apart on blobs', () => {
  const { m, truth } = blobs(6, 50, 3, 2, 0.01);
  const c = kmeansPlusPlus(m, 6, new Rng(5));
  const blobsHit = new Set<number>();
  for (let q = 0; q < 6; q++) {
    let row = -1;
    for (let i = 0; i < m.rows && row < 0; i++) {
      if (m.data.subarray(i * 3, i * 3 + 3).every((v, j) => v === c[q * 3 + j])) row = i;
    }
    assert.ok(row >= 0, `centre ${q} is a data row`);
    blobsHit.add(truth[row]);
  }
  assert.equal(blobsHit.size, 6, 'one centre per well-separated blob');
});

test('tolerance is tol times the mean per-feature variance', () => {
  const m = matrix(4, 2, Float64Array.from([0, 0, 2, 10, 4, 0, 6, 10]));
  // variances: col0 mean 3 -> (9+1+1+9)/4 = 5; col1 mean 5 -> 25
  assert.equal(absoluteTolerance(m, 1e-4), ((5 + 25) / 2) * 1e-4);
  assert.equal(absoluteTolerance(m, 0), 0);
});

test('maxIter bounds the iterations; labels still match the returned centroids', () => {
  const { m } = blobs(4, 100, 5, 1, 4);
  const r = kmeans(m, { k: 4, seed: 1, nInit: 1, maxIter: 1 });
  assert.equal(r.iterations, 1);
  assert.deepEqual(Array.from(r.labels), Array.from(bruteForce(m, r.centroids, 4).labels));
});

test('an empty cluster takes the row farthest from its centre', () => {
  // rows 0..3 near 0, row 4 far; centres 0 and 1 are identical, so cluster 1 starts empty
  const m = matrix(5, 1, Float64Array.from([0, 0.1, -0.1, 0.2, 10]));
  const init = Float64Array.from([0, 0, 20]);
  const r = runLloydSync(m, init, 3, 50, 0);
  const counts = [0, 0, 0];
  for (const l of r.labels) counts[l]++;
  assert.ok(
    counts.every((c) => c > 0),
    `no empty cluster at the end: ${counts}`,
  );
  // direct check of one relocation: labels all 0 against centre 0; cluster 1 and 2 empty
  const labels = new Int32Array(5);
  const sums = Float64Array.from([10.2, 0, 0]);
  const cnt = Float64Array.from([5, 0, 0]);
  const moved = relocateEmptyClusters(m, 3, Float64Array.from([0, 0, 0]), labels, sums, cnt);
  assert.equal(moved, 2);
  assert.deepEqual(Array.from(cnt), [3, 1, 1]);
  assert.deepEqual(Array.from(sums), [10.2 - 10 - 0.2, 10, 0.2]); // farthest (row 4) first, then row 3
});

test('duplicate rows with k above the distinct count stay deterministic and valid', () => {
  const m = matrix(10, 2, Float64Array.from([1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 1, 1, 2, 2, 3, 3, 1, 1]));
  const a = kmeans(m, { k: 4, seed: 3 });
  const b = kmeans(m, { k: 4, seed: 3 });
  assert.deepEqual(bytes(a.labels), bytes(b.labels));
  assert.equal(a.inertia, 0);
  for (const l of a.labels) assert.ok(l >= 0 && l < 4);
});

test('invalid parameters give clear RangeErrors', () => {
  const { m } = blobs(2, 5, 2, 1);
  const bad: Array<[object, RegExp]> = [
    [{ k: 1, seed: 1 }, /k must be an integer >= 2/],
    [{ k: 2.5, seed: 1 }, /k must be an integer >= 2/],
    [{ k: 10, seed: 1 }, /smaller than the number of rows \(10\)/],
    [{ k: 2, seed: 0.5 }, /seed must be a safe integer/],
    [{ k: 2, seed: 1, nInit: 0 }, /nInit must be an integer >= 1/],
    [{ k: 2, seed: 1, maxIter: -1 }, /maxIter/],
    [{ k: 2, seed: 1, tol: -1 }, /tol must be a finite number >= 0/],
    [{ k: 2, seed: 1, tol: NaN }, /tol/],
  ];
  for (const [opts, re] of bad)
    assert.throws(
      () => kmeans(m, opts as never),
      (e: unknown) => e instanceof RangeError && re.test(e.message),
    );
  const nan = matrix(3, 2, Float64Array.from([0, 1, 2, NaN, 4, 5]));
  assert.throws(() => kmeans(nan, { k: 2, seed: 1 }), /non-finite value NaN at row 1, column 1/);
  const inf = matrix(3, 1, Float64Array.from([0, Infinity, 1]));
  assert.throws(() => kmeans(inf, { k: 2, seed: 1 }), RangeError);
  assert.throws(() => kmeans({ rows: 3, cols: 2, data: new Float64Array(5) }, { k: 2, seed: 1 }), /5 values, expected 3 x 2/);
});

test('1, 2 and 3 threads give byte-identical results', async () => {
  const { m } = blobs(5, 3000, 9, 12, 3); // 15,000 rows: 4 row blocks
  const one = kmeans(m, { k: 5, seed: 7, nInit: 2 });
  for (const threads of [1, 2, 3]) {
    const par = await kmeansParallel(m, { k: 5, seed: 7, nInit: 2, threads });
    assert.deepEqual(bytes(par.centroids), bytes(one.centroids), `${threads} threads: centroids`);
    assert.deepEqual(bytes(par.labels), bytes(one.labels), `${threads} threads: labels`);
    assert.equal(par.inertia, one.inertia);
    assert.equal(par.iterations, one.iterations);
  }
  await assert.rejects(kmeansParallel(m, { k: 5, seed: 7, threads: 0 }), /threads must be an integer in \[1, 64\]/);
});

test('1, 2 and 3 threads give byte-identical results on a wide, mostly-zero table (sparse kernels, bounded final assignment)', async () => {
  // 9,000 rows of 10 numbers and 20 one-hot categoricals of 8 levels: 3 row blocks, 170 columns
  const rng = new Rng(31);
  const n = 9000;
  const d = 10 + 20 * 8;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const g = i % 4;
    for (let j = 0; j < 10; j++) data[i * d + j] = g + rng.nextFloat();
    for (let c = 0; c < 20; c++) data[i * d + 10 + c * 8 + (rng.nextFloat() < 0.6 ? (g + c) % 8 : rng.nextInt(8))] = 0.125;
  }
  const m = matrix(n, d, data);
  const one = kmeans(m, { k: 6, seed: 3, nInit: 2 });
  for (const threads of [2, 3]) {
    const par = await kmeansParallel(m, { k: 6, seed: 3, nInit: 2, threads });
    assert.deepEqual(bytes(par.centroids), bytes(one.centroids), `${threads} threads: centroids`);
    assert.deepEqual(bytes(par.labels), bytes(one.labels), `${threads} threads: labels`);
    assert.equal(par.inertia, one.inertia);
    assert.equal(par.iterations, one.iterations);
  }
});

test('the unrolled and the plain-loop kernels compute the same bits', () => {
  // k * d above UNROLL_LIMIT takes the plain loops; split the same data into a narrow and a wide view
  const { m } = blobs(4, 300, 3, 21, 2);
  const wide = matrix(m.rows, 3 * 200, new Float64Array(m.rows * 600));
  for (let i = 0; i < m.rows; i++) for (let j = 0; j < 3; j++) wide.data[i * 600 + j] = m.data[i * 3 + j];
  assert.ok(4 * 600 > UNROLL_LIMIT && 4 * 3 <= UNROLL_LIMIT);
  const init = kmeansPlusPlus(m, 4, new Rng(1));
  const a = runLloydSync(m, init, 4, 100, 0);
  const wideInit = new Float64Array(4 * 600);
  for (let c = 0; c < 4; c++) for (let j = 0; j < 3; j++) wideInit[c * 600 + j] = init[c * 3 + j];
  const b = runLloydSync(wide, wideInit, 4, 100, 0);
  assert.deepEqual(bytes(a.labels), bytes(b.labels));
  assert.equal(a.inertia, b.inertia);
  assert.equal(a.iterations, b.iterations);
  for (let c = 0; c < 4; c++) for (let j = 0; j < 3; j++) assert.equal(b.centroids[c * 600 + j], a.centroids[c * 3 + j]);
});
