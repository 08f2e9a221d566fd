import { ROW_BLOCK } from './distance';
import { kernels } from './kernels';
import type { Matrix } from './matrix';

/** What the Lloyd loop asks its engine for. */
export type LloydRequest =
  | { readonly kind: 'assign'; readonly centers: Float64Array; readonly halfNorms: Float64Array }
  | { readonly kind: 'final'; readonly centers: Float64Array };

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
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += centers[c * d + j] * centers[c * d + j];
      halfNorms[c] = 0.5 * s;
    }
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

/** The synchronous engine: blocks of ROW_BLOCK rows in order, partial sums added in block order. */
export function runLloydSync(m: Matrix, init: Float64Array, k: number, maxIter: number, tolAbs: number): LloydResult {
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const { lloyd, nearest } = kernels(k, d);
  const labels = new Int32Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const blockSums = new Float64Array(k * d);
  const loop = lloydLoop(m, init, k, maxIter, tolAbs, labels);
  let req = loop.next();
  while (!req.done) {
    const r = req.value;
    if (r.kind === 'assign') {
      sums.fill(0);
      counts.fill(0);
      let changed = 0;
      for (let start = 0; start < n; start += ROW_BLOCK) {
        blockSums.fill(0);
        changed += lloyd(x, r.centers, r.halfNorms, start, Math.min(n, start + ROW_BLOCK), labels, blockSums, counts);
        for (let t = 0; t < blockSums.length; t++) sums[t] += blockSums[t];
      }
      req = loop.next({ sums, counts, changed, inertia: 0 });
    } else {
      let inertia = 0;
      for (let start = 0; start < n; start += ROW_BLOCK) inertia += nearest(x, r.centers, start, Math.min(n, start + ROW_BLOCK), labels);
      req = loop.next({ sums, counts, changed: 0, inertia });
    }
  }
  return req.value;
}
