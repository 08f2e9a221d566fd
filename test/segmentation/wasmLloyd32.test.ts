import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROW_BLOCK } from '../../src/segmentation/distance';
import { kernels } from '../../src/segmentation/kernels';
import { matrix, type Matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';
import { setKernelBackend, wasmLayout, wasmMatrixFor, wasmSimdSupported, WasmMatrix } from '../../src/segmentation/wasm/engine';
import { kmeans } from '../../src/segmentation/kmeans';
import { halfNormsOf, jsEngine, runLloydOn, wasmEngine } from '../../src/segmentation/lloyd';
import { blobs } from './blobs';
import { F32_MAX_ABS, HEADER } from '../../src/segmentation/wasm/lloyd32';
import { useBounds } from '../../src/segmentation/wasm/lloyd32Bounds';
import { jsSeeder, kmeansPlusPlus, seederFor, trialsFor } from '../../src/segmentation/kmeansInit';
import { trialsModuleBytes, trialsModuleWat, WasmSeeder } from '../../src/segmentation/wasm/seeding';
import { countNonZeros, SPARSE_MAX_DENSITY } from '../../src/segmentation/wasm/sparseRows';

const maybe = wasmSimdSupported() ? test : test.skip;

/** Rows placed on or within 1e-9 of the bisector of two centroids, with a large common offset. */
function nearTies(n: number, d: number, offset: number, seed: number): { m: Matrix; centers: Float64Array; k: number } {
  const rng = new Rng(seed);
  const k = 6;
  const centers = new Float64Array(k * d);
  for (let t = 0; t < centers.length; t++) centers[t] = offset + rng.nextFloat();
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    const a = rng.nextInt(k);
    const b = (a + 1 + rng.nextInt(k - 1)) % k;
    const w = 0.5 + (i % 3 === 0 ? 0 : (rng.nextFloat() - 0.5) * 1e-9);
    for (let j = 0; j < d; j++) data[i * d + j] = w * centers[a * d + j] + (1 - w) * centers[b * d + j];
  }
  return { m: matrix(n, d, data), centers, k };
}

/** Runs the wasm Lloyd kernel (float32 screening on when possible) and the JavaScript kernel; compares bits. */
function compare(m: Matrix, centers: Float64Array, k: number, sparse = false): { fallbacks: number; screened: boolean } {
  const d = m.cols;
  const n = m.rows;
  const L = wasmLayout(n, d, k, ROW_BLOCK, sparse ? { nonZeros: countNonZeros(m.data, n * d) } : {});
  assert.ok(L !== undefined);
  assert.equal(L.records >= 0, sparse, 'the non-zeros are laid out when asked for');
  const wm = new WasmMatrix(m, k, L);
  const screened = new Int32Array(wm.memory.buffer, 0, 8)[HEADER.on / 4] === 1;
  const halfNorms = halfNormsOf(centers, k, d);
  const inst = wm.instance();
  const js = kernels(k, d);
  const jsLabels = new Int32Array(n).fill(-1);
  wm.labels.fill(-1);
  wm.setCenters(centers, halfNorms);
  for (let b = 0; b < L.nBlocks; b++) {
    const start = b * ROW_BLOCK;
    const end = Math.min(n, start + ROW_BLOCK);
    const sums = new Float64Array(k * d);
    const counts = new Float64Array(k);
    assert.equal(inst.lloydBlock(b), js.lloyd(m.data, centers, halfNorms, start, end, jsLabels, sums, counts));
    assert.deepEqual(wm.partSums.subarray(b * k * d, (b + 1) * k * d), sums);
    assert.deepEqual(wm.partCounts.subarray(b * k, (b + 1) * k), counts);
  }
  assert.deepEqual(wm.labels, jsLabels);
  return { fallbacks: wm.fallbacks, screened };
}

void maybe('float32 screening: near-ties go to the float64 recomputation and labels equal the JavaScript kernel', () => {
  for (const [d, offset] of [
    [20, 0],
    [7, 1000],
    [33, 1e6],
    [264, 0],
  ] as const) {
    const n = ROW_BLOCK + 301;
    const { m, centers, k } = nearTies(n, d, offset, d);
    const r = compare(m, centers, k);
    assert.ok(r.screened, `d=${d}: screening on`);
    assert.ok(r.fallbacks >= n / 3, `d=${d} offset=${offset}: exact ties (every third row) are recomputed, got ${r.fallbacks}`);
  }
});

void maybe('float32 screening is off beyond F32_MAX_ABS, and the float64 kernel gives the same bits', () => {
  const n = 500;
  const d = 5;
  const rng = new Rng(3);
  const data = Float64Array.from({ length: n * d }, () => rng.nextFloat());
  data[17] = 2 * F32_MAX_ABS;
  const m = matrix(n, d, data);
  const centers = data.slice(0, 4 * d);
  const r = compare(m, centers, 4);
  assert.equal(r.screened, false);
  assert.equal(r.fallbacks, 0);
});

void maybe('float32 screening: well separated rows rarely need the float64 recomputation', () => {
  const n = 4 * ROW_BLOCK;
  const d = 12;
  const rng = new Rng(8);
  const data = Float64Array.from({ length: n * d }, () => rng.nextFloat());
  const m = matrix(n, d, data);
  const r = compare(m, data.slice(0, 8 * d), 8);
  assert.ok(r.screened);
  assert.ok(r.fallbacks < n / 100, `fallbacks ${r.fallbacks} of ${n}`);
});

void maybe('k-means++ on the WebAssembly candidate pass gives the same bits as on the JavaScript one', () => {
  for (const [k, d] of [
    [2, 1],
    [3, 7],
    [8, 20],
    [10, 264],
    [21, 5],
  ] as const) {
    for (const zeros of [0, 0.8]) {
      const n = 1001;
      const rng = new Rng(k * d);
      // near-duplicate rows (clipped expansions), and with `zeros` the sparse pass
      const data = Float64Array.from({ length: n * d }, () => (rng.nextFloat() < zeros ? 0 : Math.floor(rng.nextFloat() * 3) + rng.nextFloat() * 1e-6));
      const m = matrix(n, d, data);
      const what = `k=${k} d=${d} zeros=${zeros}`;
      const a = kmeansPlusPlus(m, k, new Rng(5), jsSeeder(m, trialsFor(k)));
      const seeder = seederFor(m, k);
      assert.ok(seeder instanceof WasmSeeder);
      assert.equal(seeder.sparse, zeros > 0, what);
      const b = kmeansPlusPlus(m, k, new Rng(5), seeder);
      assert.deepEqual(b, a, what);
      assert.deepEqual(kmeansPlusPlus(m, k, new Rng(6), seeder), kmeansPlusPlus(m, k, new Rng(6), jsSeeder(m, trialsFor(k))), `${what}: the seeder is reusable`);
      // the Lloyd engine's own seeder (on its memory, its records when it has them) draws the same
      const engine = wasmMatrixFor(m, k, ROW_BLOCK, { seedTrials: trialsFor(k) });
      assert.ok(engine?.seeder !== undefined);
      assert.deepEqual(kmeansPlusPlus(m, k, new Rng(5), engine.seeder), a, `${what}: engine seeder`);
    }
  }
});

test('the k-means++ module is the bytes wabt assembles from its text', async () => {
  const wabt = await (
    require('wabt') as () => Promise<{
      parseWat(f: string, s: string, o: object): { validate(o: object): void; toBinary(o: object): { buffer: Uint8Array } };
    }>
  )();
  const features = { simd: true, threads: true };
  for (const [t, d] of [
    [2, 1],
    [3, 5],
    [4, 20],
  ] as const) {
    for (const sparse of [false, true]) {
      const parsed = wabt.parseWat(`trials-${t}-${d}-${sparse}.wat`, trialsModuleWat(t, d, sparse), features);
      parsed.validate(features);
      assert.ok(Buffer.from(parsed.toBinary({ canonicalize_lebs: true }).buffer).equals(Buffer.from(trialsModuleBytes(t, d, sparse))), `${t} trials, d=${d}, sparse=${sparse}`);
    }
  }
});

void maybe('distance bounds skip rows once centres settle; Lloyd runs (engine reused, relocations) equal the JavaScript engine', () => {
  const { m } = blobs(7, 3000, 48, 2, 11);
  const k = 9; // more centres than blobs: slow convergence, some relocations
  assert.ok(useBounds(k, m.cols), 'a shape that uses the bounds');
  const wm = wasmMatrixFor(m, k, ROW_BLOCK);
  assert.ok(wm !== undefined);
  const wasm = wasmEngine(m, k, wm);
  const js = jsEngine(m, k);
  for (let s = 0; s < 4; s++) {
    const init = kmeansPlusPlus(m, k, new Rng(s));
    if (s === 3) init.fill(0, 0, m.cols); // centre 0 far from every row: empty, relocated
    const a = runLloydOn(wasm, m, init, k, 300, 0);
    const b = runLloydOn(js, m, init, k, 300, 0);
    assert.deepEqual(a.labels, b.labels, `restart ${s}: labels`);
    assert.deepEqual(a.centroids, b.centroids, `restart ${s}: centroids`);
    assert.equal(a.inertia, b.inertia);
    assert.equal(a.iterations, b.iterations);
  }
  assert.ok(wm.skips > 0, 'some rows were skipped');
});

void maybe('k-means on random shapes, scales (1e-30 .. 1e8), offsets and near-tie grids: WebAssembly = JavaScript, bit for bit', () => {
  const rng = new Rng(99);
  for (let trial = 0; trial < 24; trial++) {
    const d = [1, 2, 3, 5, 7, 20, 33, 64, 130][rng.nextInt(9)];
    const k = 2 + rng.nextInt(15);
    const n = 200 + rng.nextInt(1500);
    const scale = [1e-30, 1e-6, 1, 1e3, 1e8][rng.nextInt(5)];
    const offset = [0, 1, 1e4, -1e6][rng.nextInt(4)] * scale;
    const grid = rng.nextFloat() < 0.5;
    const data = new Float64Array(n * d);
    for (let i = 0; i < data.length; i++) data[i] = offset + scale * (grid ? Math.floor(rng.nextFloat() * 3) + (rng.nextFloat() < 0.3 ? 0 : rng.nextFloat() * 1e-7) : rng.nextFloat());
    const m = matrix(n, d, data);
    const what = `d=${d} k=${k} n=${n} scale=${scale} offset=${offset} grid=${grid}`;
    try {
      setKernelBackend('js');
      const a = kmeans(m, { k, seed: trial, nInit: 2 });
      setKernelBackend('auto');
      const b = kmeans(m, { k, seed: trial, nInit: 2 });
      assert.deepEqual(b.labels, a.labels, what);
      assert.deepEqual(b.centroids, a.centroids, what);
      assert.equal(b.inertia, a.inertia, what);
      assert.equal(b.iterations, a.iterations, what);
    } finally {
      setKernelBackend('auto');
    }
  }
});

/**
 * An engineered-looking table: `numeric` columns (some negative, some -0, some 0) then `cats`
 * one-hot categoricals of `levels` weighted dummies; every 97th row is all zeros.
 */
function dummyTable(n: number, numeric: number, cats: number, levels: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const d = numeric + cats * levels;
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    if (i % 97 === 0) continue;
    const group = i % 5;
    for (let j = 0; j < numeric; j++) {
      const u = rng.nextFloat();
      data[i * d + j] = u < 0.1 ? 0 : u < 0.15 ? -0 : group + u - (j % 2 === 0 ? 0 : 2.5);
    }
    for (let c = 0; c < cats; c++) data[i * d + numeric + c * levels + (rng.nextFloat() < 0.7 ? (group + c) % levels : rng.nextInt(levels))] = 1 / levels;
  }
  return matrix(n, d, data);
}

void maybe('wide shapes on the non-zeros of the rows: labels, bounds, sums and Lloyd runs equal the JavaScript engine, bit for bit', () => {
  for (const [k, numeric, cats, levels] of [
    [2, 10, 20, 8],
    [5, 4, 30, 6],
    [9, 40, 28, 8],
    [17, 3, 12, 12], // five centre quads: one row per group in the dense screening
  ] as const) {
    // one case over two row blocks (block sums added in order), the others small: the JavaScript engine is slow on wide rows
    const m = dummyTable(k === 9 ? ROW_BLOCK + 77 : 1200, numeric, cats, levels, k);
    const what = `k=${k} d=${m.cols}`;
    assert.ok(useBounds(k, m.cols), `${what}: a wide shape`);
    assert.ok(countNonZeros(m.data, m.data.length) <= SPARSE_MAX_DENSITY * m.data.length, `${what}: mostly zeros`);
    const wm = wasmMatrixFor(m, k, ROW_BLOCK);
    assert.ok(wm !== undefined && wm.layout.records >= 0, `${what}: the non-zeros are read by default`);
    const sparse = wasmEngine(m, k, wm);
    const js = jsEngine(m, k);
    for (let s = 0; s < 3; s++) {
      const init = kmeansPlusPlus(m, k, new Rng(s));
      if (s === 2) init.fill(0, 0, m.cols).fill(0, m.cols, 2 * m.cols); // two centres at the origin (the all-zero rows'): one stays empty, relocated
      const a = runLloydOn(sparse, m, init, k, 40, 0);
      const b = runLloydOn(js, m, init, k, 40, 0);
      assert.deepEqual(a.labels, b.labels, `${what} restart ${s}: labels`);
      assert.deepEqual(a.centroids, b.centroids, `${what} restart ${s}: centroids`);
      assert.equal(a.inertia, b.inertia, what);
      assert.equal(a.iterations, b.iterations, what);
    }
    assert.ok(wm.skips > 0, `${what}: the bounds still skip rows`);
  }
  // a dense matrix reads its dense rows unless told otherwise, and is right either way
  const { m } = blobs(4, 300, 160, 3, 0.5);
  assert.equal(wasmMatrixFor(m, 4, ROW_BLOCK)?.layout.records, -1);
  const forced = wasmMatrixFor(m, 4, ROW_BLOCK, { sparse: true });
  assert.ok(forced !== undefined && forced.layout.records >= 0);
  const init = kmeansPlusPlus(m, 4, new Rng(1));
  assert.deepEqual(runLloydOn(wasmEngine(m, 4, forced), m, init, 4, 300, 0), runLloydOn(jsEngine(m, 4), m, init, 4, 300, 0));
});

void maybe('wide shapes on the non-zeros of the rows: near-ties between zero-heavy centres go to the float64 recomputation', () => {
  const n = ROW_BLOCK + 301;
  const { m, centers, k } = nearTies(n, 264, 0, 5);
  // the same 70% of the columns zero in every row and centre: rows stay on their bisectors
  const rng = new Rng(4);
  const zero = Array.from({ length: 264 }, () => rng.nextFloat() < 0.7);
  for (let t = 0; t < m.data.length; t++) if (zero[t % 264]) m.data[t] = 0;
  for (let t = 0; t < centers.length; t++) if (zero[t % 264]) centers[t] = 0;
  const r = compare(m, centers, k, true);
  assert.ok(r.screened);
  assert.ok(r.fallbacks >= n / 3, `exact ties (every third row) are recomputed, got ${r.fallbacks}`);
});
