import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ROW_BLOCK, nearestCentroids } from '../../src/segmentation/distance';
import { kernels } from '../../src/segmentation/kernels';
import { kmeans, kmeansParallel, kmeansStorage } from '../../src/segmentation/kmeans';
import { jsSeeder, kmeansPlusPlus, trialsFor } from '../../src/segmentation/kmeansInit';
import { halfNormsOf, jsEngine, lloydEngine, runLloydOn } from '../../src/segmentation/lloyd';
import { LloydPool } from '../../src/segmentation/lloydParallel';
import { matrix, type Matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';
import { sleb, uleb } from '../../src/segmentation/wasm/encoder';
import { setKernelBackend, wasmLayout, wasmMatrixFor, wasmSimdSupported, WasmMatrix } from '../../src/segmentation/wasm/engine';
import { kernelModuleBytes, kernelModuleWat } from '../../src/segmentation/wasm/kernels';
import { blobs } from './blobs';

function bytes(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

/** Values on a coarse grid plus small noise: many near-ties, some exact duplicates. */
function gridData(n: number, d: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const data = new Float64Array(n * d);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.nextFloat() * 4) / 4 + (i % 7 === 0 ? 0 : rng.nextFloat() * 1e-3);
  for (let i = 1; i < n; i += 9) data.copyWithin(i * d, (i - 1) * d, i * d); // duplicate rows
  return matrix(n, d, data);
}

const SHAPES: Array<[number, number]> = [
  [2, 1],
  [3, 2],
  [8, 20],
  [5, 7],
  [9, 3],
  [4, 150],
  [16, 33],
];
const maybe = wasmSimdSupported() ? test : test.skip;

test('LEB128 encodings', () => {
  assert.deepEqual(uleb(0), [0]);
  assert.deepEqual(uleb(127), [0x7f]);
  assert.deepEqual(uleb(128), [0x80, 0x01]);
  assert.deepEqual(uleb(65536), [0x80, 0x80, 0x04]);
  assert.deepEqual(sleb(-1), [0x7f]);
  assert.deepEqual(sleb(63), [0x3f]);
  assert.deepEqual(sleb(64), [0xc0, 0x00]);
  assert.deepEqual(sleb(-64), [0x40]);
  assert.deepEqual(sleb(-65), [0xbf, 0x7f]);
  assert.deepEqual(sleb(160), [0xa0, 0x01]);
});

test('the emitted modules are the bytes wabt assembles from their text, and validate', async () => {
  const wabt = await (
    require('wabt') as () => Promise<{
      parseWat(f: string, s: string, o: object): { validate(o: object): void; toBinary(o: object): { buffer: Uint8Array } };
      readWasm(b: Uint8Array, o: object): { validate(o: object): void };
    }>
  )();
  const features = { simd: true, threads: true };
  for (const [k, d] of SHAPES) {
    const mine = kernelModuleBytes(k, d);
    const parsed = wabt.parseWat(`kmeans-${k}-${d}.wat`, kernelModuleWat(k, d), features);
    parsed.validate(features);
    const theirs = parsed.toBinary({ canonicalize_lebs: true }).buffer;
    assert.ok(Buffer.from(theirs).equals(Buffer.from(mine)), `k=${k} d=${d}: emitted bytes differ from wabt's`);
    wabt.readWasm(mine, { readDebugNames: false, ...features }).validate(features);
  }
});

void maybe('WebAssembly block kernels compute the same bits as the JavaScript kernels', () => {
  for (const [k, d] of SHAPES) {
    const n = 2 * ROW_BLOCK + 37;
    const m = gridData(n, d, k * 100 + d);
    const centers = kmeansPlusPlus(m, k, new Rng(k));
    if (k >= 3) centers.copyWithin(2 * d, 0, d); // centroid 2 duplicates centroid 0: ties go to 0
    const halfNorms = halfNormsOf(centers, k, d);
    const L = wasmLayout(n, d, k, ROW_BLOCK);
    assert.ok(L !== undefined);
    const wm = new WasmMatrix(m, k, L);
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
      const changedJs = js.lloyd(m.data, centers, halfNorms, start, end, jsLabels, sums, counts);
      assert.equal(inst.lloydBlock(b), changedJs, `k=${k} d=${d} block ${b}: changed`);
      assert.ok(bytes(wm.partSums.subarray(b * k * d, (b + 1) * k * d)).equals(bytes(sums)), `k=${k} d=${d} block ${b}: sums`);
      assert.ok(bytes(wm.partCounts.subarray(b * k, (b + 1) * k)).equals(bytes(counts)), `k=${k} d=${d} block ${b}: counts`);
    }
    assert.ok(bytes(wm.labels).equals(bytes(jsLabels)), `k=${k} d=${d}: Lloyd labels`);
    if (k >= 3) assert.ok(!wm.labels.includes(2), 'a duplicated centroid never wins over the lower index');
    wm.setCenters(centers);
    for (let b = 0; b < L.nBlocks; b++) {
      const start = b * ROW_BLOCK;
      const end = Math.min(n, start + ROW_BLOCK);
      assert.equal(inst.nearestBlock(b), js.nearest(m.data, centers, start, end, jsLabels), `k=${k} d=${d} block ${b}: inertia`);
    }
    assert.ok(bytes(wm.labels).equals(bytes(jsLabels)), `k=${k} d=${d}: nearest labels`);
  }
});

void maybe('k-means on the WebAssembly and the JavaScript kernels: byte-identical results', () => {
  for (const [k, d] of [
    [3, 2],
    [8, 20],
    [7, 5],
  ] as const) {
    const m = gridData(3 * ROW_BLOCK + 11, d, k + d);
    try {
      setKernelBackend('js');
      const a = kmeans(m, { k, seed: 9, nInit: 2 });
      const na = nearestCentroids(m, a.centroids, k);
      setKernelBackend('auto');
      const b = kmeans(m, { k, seed: 9, nInit: 2 });
      const nb = nearestCentroids(m, a.centroids, k);
      assert.ok(bytes(a.centroids).equals(bytes(b.centroids)), `k=${k} d=${d}: centroids`);
      assert.ok(bytes(a.labels).equals(bytes(b.labels)), `k=${k} d=${d}: labels`);
      assert.equal(a.inertia, b.inertia);
      assert.equal(a.iterations, b.iterations);
      assert.ok(bytes(na.labels).equals(bytes(nb.labels)) && na.inertia === nb.inertia, 'nearestCentroids');
      assert.ok(bytes(nb.labels).equals(bytes(b.labels)) && nb.inertia === b.inertia, 'nearestCentroids reproduces the fitted labels and inertia');
    } finally {
      setKernelBackend('auto');
    }
  }
});

void maybe('nearestCentroids streams a matrix larger than its wasm buffer, whole blocks at a time: the same bits as the JavaScript kernel', () => {
  // 600 features: one 4,096-row block (19.7 MB) is already more than the 16 MB stream buffer,
  // so the 2.5 blocks below go through it in three loads, the last one partial.
  const d = 600;
  const m = gridData(2 * ROW_BLOCK + 1234, d, 5);
  const k = 4;
  const centroids = Float64Array.from({ length: k * d }, (_, t) => ((t * 7919) % 13) / 4);
  try {
    setKernelBackend('js');
    const a = nearestCentroids(m, centroids, k);
    setKernelBackend('auto');
    const b = nearestCentroids(m, centroids, k);
    assert.ok(bytes(a.labels).equals(bytes(b.labels)), 'labels');
    assert.equal(b.inertia, a.inertia);
    assert.ok(new Set(b.labels).size > 1, 'the centroids split the rows');
  } finally {
    setKernelBackend('auto');
  }
});

void maybe('a WebAssembly engine made for k-means++ carries the seeder on its own memory: the same seeds as the JavaScript candidate pass', () => {
  const { m } = blobs(5, 2000, 7, 3, 4);
  const engine = lloydEngine(m, 5, trialsFor(5));
  assert.ok(engine.seeder !== undefined, 'the engine has a seeder');
  for (const seed of [1, 2]) {
    const a = kmeansPlusPlus(m, 5, new Rng(seed), engine.seeder);
    const b = kmeansPlusPlus(m, 5, new Rng(seed), jsSeeder(m, trialsFor(5)));
    assert.ok(bytes(a).equals(bytes(b)), `seed ${seed}`);
  }
  assert.equal(lloydEngine(m, 5).seeder, undefined, 'no seeder unless asked for');
});

void maybe('k-means on rows placed in the engine memory (kmeansStorage): the same bits as on a copy, the rows untouched, the storage used in place once', async () => {
  const { m } = blobs(4, 5000, 6, 3, 8);
  const k = 4;
  const data = kmeansStorage(m.rows, m.cols, k);
  assert.equal(data.buffer instanceof SharedArrayBuffer, true, 'WebAssembly memory');
  data.set(m.data);
  const placed = { rows: m.rows, cols: m.cols, data };
  const copy = kmeans(m, { k, seed: 3, nInit: 3 });
  const inPlace = await kmeansParallel(placed, { k, seed: 3, nInit: 3, threads: 2 });
  assert.ok(bytes(inPlace.centroids).equals(bytes(copy.centroids)));
  assert.ok(bytes(inPlace.labels).equals(bytes(copy.labels)));
  assert.equal(inPlace.inertia, copy.inertia);
  assert.ok(bytes(data).equals(bytes(m.data)), 'the rows are unchanged');
  const again = kmeans(placed, { k, seed: 3, nInit: 3 }); // the storage was taken: this fit copies
  assert.ok(bytes(again.labels).equals(bytes(copy.labels)));
  const other = kmeans(placed, { k: 3, seed: 3, nInit: 2 }); // another k: another layout, a copy
  assert.ok(bytes(other.labels).equals(bytes(kmeans(m, { k: 3, seed: 3, nInit: 2 }).labels)));
  const fresh = { rows: m.rows, cols: m.cols, data: kmeansStorage(m.rows, m.cols, k) };
  const first = wasmMatrixFor(fresh, k, ROW_BLOCK, { seedTrials: trialsFor(k) });
  assert.equal(first?.memory.buffer, fresh.data.buffer, 'the first engine reads the rows in place');
  const second = wasmMatrixFor(fresh, k, ROW_BLOCK, { seedTrials: trialsFor(k) });
  assert.ok(second !== undefined && second.memory.buffer !== fresh.data.buffer, 'the second one gets a copy');
});

void maybe('the engines: wasm by default, the JavaScript fallback when forced; same Lloyd run', () => {
  const { m } = blobs(6, 1500, 9, 4, 2);
  const init = kmeansPlusPlus(m, 6, new Rng(3));
  const wasmEng = lloydEngine(m, 6);
  const a = runLloydOn(wasmEng, m, init, 6, 100, 0);
  const b = runLloydOn(jsEngine(m, 6), m, init, 6, 100, 0);
  assert.ok(bytes(a.labels).equals(bytes(b.labels)));
  assert.ok(bytes(a.centroids).equals(bytes(b.centroids)));
  assert.equal(a.inertia, b.inertia);
  // labels are copied out: a second run on the same engine does not change the first result
  const before = Buffer.from(bytes(a.labels));
  runLloydOn(wasmEng, m, kmeansPlusPlus(m, 6, new Rng(4)), 6, 100, 0);
  assert.ok(bytes(a.labels).equals(before));
});

void maybe('worker threads run the WebAssembly kernels and match 1 thread and the JavaScript workers', async () => {
  const { m } = blobs(5, 3000, 9, 12, 3);
  const one = kmeans(m, { k: 5, seed: 7, nInit: 2 });
  const pool = new LloydPool(m, 5, 2);
  try {
    assert.equal(pool.usesWasm, true);
  } finally {
    await pool.close();
  }
  const par = await kmeansParallel(m, { k: 5, seed: 7, nInit: 2, threads: 2 });
  setKernelBackend('js');
  try {
    const jsPool = new LloydPool(m, 5, 2);
    assert.equal(jsPool.usesWasm, false);
    await jsPool.close();
    const parJs = await kmeansParallel(m, { k: 5, seed: 7, nInit: 2, threads: 2 });
    for (const r of [par, parJs]) {
      assert.ok(bytes(r.centroids).equals(bytes(one.centroids)));
      assert.ok(bytes(r.labels).equals(bytes(one.labels)));
      assert.equal(r.inertia, one.inertia);
      assert.equal(r.iterations, one.iterations);
    }
  } finally {
    setKernelBackend('auto');
  }
});

void maybe('same input and seed give byte-identical results on the WebAssembly kernels', () => {
  const m = gridData(20000, 20, 5);
  const a = kmeans(m, { k: 8, seed: 42, nInit: 2 });
  const b = kmeans(m, { k: 8, seed: 42, nInit: 2 });
  assert.ok(bytes(a.centroids).equals(bytes(b.centroids)) && bytes(a.labels).equals(bytes(b.labels)));
  assert.equal(a.inertia, b.inertia);
});

test('layout: 16-byte aligned regions; too large a matrix does not fit a wasm32 memory', () => {
  const L = wasmLayout(1001, 3, 5, ROW_BLOCK);
  assert.ok(L !== undefined);
  for (const off of [L.x, L.cl, L.cn, L.labels, L.partSums, L.partCounts]) assert.equal(off % 16, 0);
  assert.equal(wasmLayout(300_000_000, 20, 8, ROW_BLOCK), undefined);
});
