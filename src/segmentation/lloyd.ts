import { ROW_BLOCK } from './distance';
import { kernels } from './kernels';
import type { Seeder } from './kmeansInit';
import type { Matrix } from './matrix';
import { wasmMatrixFor, type WasmMatrix } from './wasm/engine';

/** What the Lloyd loop asks its engine for. */
export type LloydRequest = { readonly kind: 'assign'; readonly centers: Float64Array; readonly halfNorms: Float64Array } | { readonly kind: 'final'; readonly centers: Float64Array };

/** The engine's answer: for 'assign', cluster sums/counts and changed labels; for 'final', the inertia. */
export interface LloydAnswer {
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  readonly changed: number;
  readonly inertia: number;
}

export interface LloydResult {
  readonly centroids: Float64Array;
  readonly labels: Int32Array;
  readonly inertia: number;
  readonly iterations: number;
}

/**
 * The Lloyd loop as scikit-learn runs it (`_kmeans_single_lloyd`), written as a generator so the
 * same loop drives a synchronous engine and a worker-thread engine: it yields each assignment
 * step and receives the reduced cluster sums. `labels` is shared with the engine (the engine
 * writes it). Stops when no label changed, or when the squared centre shift sum is <= tolAbs,
 * or after maxIter iterations; then a final exact assignment makes labels and inertia consistent
 * with the returned centroids.
 */
export function* lloydLoop(m: Matrix, init: Float64Array, k: number, maxIter: number, tolAbs: number, labels: Int32Array): Generator<LloydRequest, LloydResult, LloydAnswer> {
  const d = m.cols;
  let centers = Float64Array.from(init);
  let next = new Float64Array(k * d);
  const halfNorms = new Float64Array(k);
  labels.fill(-1);
  let iterations = 0;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    halfNorms.set(halfNormsOf(centers, k, d));
    const ans = yield { kind: 'assign', centers, halfNorms };
    const sums = ans.sums;
    const counts = ans.counts;
    relocateEmptyClusters(m, k, centers, labels, sums, counts);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      const n = counts[c];
      for (let j = 0; j < d; j++) {
        const v = n > 0 ? sums[c * d + j] / n : centers[c * d + j];
        next[c * d + j] = v;
        const t = v - centers[c * d + j];
        shift += t * t;
      }
    }
    const swap = centers;
    centers = next;
    next = swap;
    if (ans.changed === 0) break; // strict convergence: same labels, so same centres
    if (shift <= tolAbs) break;
  }
  const fin = yield { kind: 'final', centers };
  return { centroids: centers, labels, inertia: fin.inertia, iterations };
}

/**
 * scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes one of the rows
 * farthest from their assigned (old) centre, farthest first, ties to the lower row index; the
 * row is moved out of its cluster's sums. `sums`/`counts` are updated in place.
 */
export function relocateEmptyClusters(m: Matrix, k: number, centersOld: Float64Array, labels: Int32Array, sums: Float64Array, counts: Float64Array): number {
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length === 0) return 0;
  const d = m.cols;
  const x = m.data;
  // Top-e rows by distance (descending, then by index ascending), kept sorted by insertion.
  const e = empty.length;
  const topRow = new Int32Array(e).fill(-1);
  const topDist = new Float64Array(e).fill(-Infinity);
  for (let i = 0; i < m.rows; i++) {
    const co = labels[i] * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - centersOld[co + j];
      s += t * t;
    }
    if (s <= topDist[e - 1]) continue;
    let p = e - 1;
    while (p > 0 && topDist[p - 1] < s) {
      topDist[p] = topDist[p - 1];
      topRow[p] = topRow[p - 1];
      p--;
    }
    topDist[p] = s;
    topRow[p] = i;
  }
  for (let q = 0; q < e; q++) {
    const target = empty[q];
    const r = topRow[q];
    const from = labels[r];
    for (let j = 0; j < d; j++) {
      sums[from * d + j] -= x[r * d + j];
      sums[target * d + j] = x[r * d + j];
    }
    counts[from] -= 1;
    counts[target] = 1;
  }
  return e;
}

/**
 * What drives the Lloyd loop: an assignment step that fills the cluster sums and counts (summed
 * per block of ROW_BLOCK rows, blocks added in order) and returns the number of changed labels,
 * and the final exact assignment that returns the inertia. `labels` belongs to the engine and is
 * reused by the next run.
 */
export interface LloydEngine {
  readonly labels: Int32Array;
  /** The k-means++ candidate pass on the engine's own copy of the rows, when it has one (see {@link lloydEngine}). */
  readonly seeder?: Seeder;
  assign(centers: Float64Array, halfNorms: Float64Array, sums: Float64Array, counts: Float64Array): number;
  final(centers: Float64Array): number;
}

/** Adds per-block partial sums and counts into sums/counts, blocks in order. */
export function reduceBlocks(partSums: Float64Array, partCounts: Float64Array, nBlocks: number, k: number, d: number, sums: Float64Array, counts: Float64Array): void {
  const kd = k * d;
  sums.fill(0);
  counts.fill(0);
  for (let b = 0; b < nBlocks; b++) {
    const o = b * kd;
    for (let t = 0; t < kd; t++) sums[t] += partSums[o + t];
    for (let c = 0; c < k; c++) counts[c] += partCounts[b * k + c];
  }
}

/** The JavaScript kernels of kernels.ts, blocks in order on the calling thread. */
export function jsEngine(m: Matrix, k: number): LloydEngine {
  const n = m.rows;
  const x = m.data;
  const { lloyd, nearest } = kernels(k, m.cols);
  const labels = new Int32Array(n);
  const blockSums = new Float64Array(k * m.cols);
  return {
    labels,
    assign(centers, halfNorms, sums, counts) {
      sums.fill(0);
      counts.fill(0);
      let changed = 0;
      for (let start = 0; start < n; start += ROW_BLOCK) {
        blockSums.fill(0);
        changed += lloyd(x, centers, halfNorms, start, Math.min(n, start + ROW_BLOCK), labels, blockSums, counts);
        for (let t = 0; t < blockSums.length; t++) sums[t] += blockSums[t];
      }
      return changed;
    },
    final(centers) {
      let inertia = 0;
      for (let start = 0; start < n; start += ROW_BLOCK) inertia += nearest(x, centers, start, Math.min(n, start + ROW_BLOCK), labels);
      return inertia;
    },
  };
}

/** The WebAssembly SIMD kernels (wasm/), blocks in order on the calling thread; same results as jsEngine. */
export function wasmEngine(m: Matrix, k: number, wm: WasmMatrix): LloydEngine {
  const L = wm.layout;
  const inst = wm.instance();
  return {
    labels: wm.labels,
    seeder: wm.seeder,
    assign(centers, halfNorms, sums, counts) {
      wm.setCenters(centers, halfNorms);
      let changed = 0;
      for (let b = 0; b < L.nBlocks; b++) changed += inst.lloydBlock(b);
      reduceBlocks(wm.partSums, wm.partCounts, L.nBlocks, k, m.cols, sums, counts);
      return changed;
    },
    final(centers) {
      let inertia = 0;
      if (wm.boundsCurrent) {
        // right after the last assignment: the bounds spare most rows their distances to every centre
        wm.setCenters(centers, halfNormsOf(centers, k, m.cols));
        for (let b = 0; b < L.nBlocks; b++) inertia += inst.finalBlock(b);
        return inertia;
      }
      wm.setCenters(centers);
      for (let b = 0; b < L.nBlocks; b++) inertia += inst.nearestBlock(b);
      return inertia;
    },
  };
}

/** Half squared norms 0.5 ||c||^2 of k centres of d features, as the Lloyd loop computes them. */
export function halfNormsOf(centers: Float64Array, k: number, d: number): Float64Array {
  const h = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += centers[c * d + j] * centers[c * d + j];
    h[c] = 0.5 * s;
  }
  return h;
}

/**
 * The engine for this shape: WebAssembly SIMD when available (see wasm/engine.ts), else
 * JavaScript. With `seedTrials`, a WebAssembly engine also carries the k-means++ candidate pass
 * for that many candidates on its memory (`seeder`).
 */
export function lloydEngine(m: Matrix, k: number, seedTrials?: number): LloydEngine {
  const wm = wasmMatrixFor(m, k, ROW_BLOCK, { seedTrials });
  return wm !== undefined ? wasmEngine(m, k, wm) : jsEngine(m, k);
}

/** Runs the Lloyd loop on a synchronous engine; the labels are copied out of the engine. */
export function runLloydOn(engine: LloydEngine, m: Matrix, init: Float64Array, k: number, maxIter: number, tolAbs: number): LloydResult {
  const sums = new Float64Array(k * m.cols);
  const counts = new Float64Array(k);
  const loop = lloydLoop(m, init, k, maxIter, tolAbs, engine.labels);
  let req = loop.next();
  while (!req.done) {
    const r = req.value;
    if (r.kind === 'assign') {
      const changed = engine.assign(r.centers, r.halfNorms, sums, counts);
      req = loop.next({ sums, counts, changed, inertia: 0 });
    } else {
      req = loop.next({ sums, counts, changed: 0, inertia: engine.final(r.centers) });
    }
  }
  const res = req.value;
  return { ...res, labels: Int32Array.from(res.labels) };
}

/** Lloyd from `init` on the calling thread (engine chosen by {@link lloydEngine}). */
export function runLloydSync(m: Matrix, init: Float64Array, k: number, maxIter: number, tolAbs: number): LloydResult {
  return runLloydOn(lloydEngine(m, k), m, init, k, maxIter, tolAbs);
}
