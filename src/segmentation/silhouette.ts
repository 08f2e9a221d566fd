/**
 * Exact mean silhouettes of several labelings of the same rows in one pass over the pairwise
 * distances: each distance is computed once per unordered pair (wasm/pairwise.ts, directly from
 * the differences) and folded into every labeling's per-row, per-cluster distance sums. Scoring
 * k = 2..10 on one sample thus costs one O(n^2 d) pass plus O(n^2) additions per labeling,
 * instead of one O(n^2 d) pass per k.
 *
 * Deterministic: a labeling's result depends only on the rows and that labeling (not on the other
 * labelings, nor on whether the WebAssembly or the JavaScript kernel ran: both give the same bits).
 */
import type { Matrix } from './matrix';
import { sqDistJs } from './wasm/pairwise';
import { silhouetteTiles } from './wasm/silhouetteTiles';

/** Rows per tile: a tile of 64 rows x 264 features (135 KB) stays in L2 while all rows pass it. */
const TILE = 64;

/** Checks labels against the matrix and returns the size of each cluster. */
export function clusterSizes(m: Matrix, labels: Int32Array, k: number, what: string): Float64Array {
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`${what}: k must be a positive integer, got ${k}`);
  if (labels.length !== m.rows) throw new RangeError(`${what}: ${labels.length} labels for ${m.rows} rows`);
  const sizes = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!(l >= 0 && l < k)) throw new RangeError(`${what}: label ${l} of row ${i} is outside [0, ${k})`);
    sizes[l] += 1;
  }
  let present = 0;
  for (let c = 0; c < k; c++) if (sizes[c] > 0) present++;
  if (present < 2 || present > m.rows - 1) {
    throw new RangeError(`${what}: needs between 2 and rows - 1 (${m.rows - 1}) non-empty clusters, got ${present}`);
  }
  return sizes;
}

/**
 * Folds the distances of tile rows [bi, iEnd) x [bj, jEnd) (dist[(i - bi) * TILE + (j - bj)], only
 * pairs i < j) into sums[i][labels[j]] and sums[j][labels[i]], rows i then columns j in order.
 */
function fold(dist: Float64Array, labels: Int32Array, k: number, sums: Float64Array, bi: number, iEnd: number, bj: number, jEnd: number): void {
  for (let i = bi; i < iEnd; i++) {
    const si = i * k;
    const li = labels[i];
    const j0 = bj === bi ? i + 1 : bj;
    const o = (i - bi) * TILE - bj;
    for (let j = j0; j < jEnd; j++) {
      const v = dist[o + j];
      sums[si + labels[j]] += v;
      sums[j * k + li] += v;
    }
  }
}

/** The mean of s(i) = (b - a) / max(a, b) from the per-row, per-cluster distance sums. */
function meanSilhouette(sums: Float64Array, labels: Int32Array, sizes: Float64Array, k: number): number {
  const n = labels.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const li = labels[i];
    const own = sizes[li];
    if (own <= 1) continue; // s = 0
    const a = sums[i * k + li] / (own - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c === li || sizes[c] === 0) continue;
      const v = sums[i * k + c] / sizes[c];
      if (v < b) b = v;
    }
    const den = a > b ? a : b;
    if (den > 0) total += (b - a) / den;
  }
  return total / n;
}

/**
 * Mean silhouette coefficient (Euclidean, as scikit-learn's `silhouette_score`) of each labeling
 * `labelings[q]` (labels in 0..ks[q]-1) of the rows of `m`, from one pass over the pairwise
 * distances. Empty clusters are ignored; a row in a singleton cluster scores 0.
 */
export function silhouetteScores(m: Matrix, labelings: readonly Int32Array[], ks: readonly number[]): number[] {
  if (labelings.length !== ks.length) throw new RangeError(`silhouette: ${labelings.length} labelings but ${ks.length} values of k`);
  const sizes = labelings.map((l, q) => clusterSizes(m, l, ks[q], 'silhouette'));
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const nl = labelings.length;
  const wasm = nl > 0 ? silhouetteTiles(x, n, d, TILE, labelings, ks) : undefined;
  const sums = wasm?.sums ?? ks.map((k) => new Float64Array(n * k));
  const sq = new Float64Array(TILE);
  const dist = new Float64Array(TILE * TILE);
  for (let bi = 0; bi < n && nl > 0; bi += TILE) {
    const iEnd = Math.min(n, bi + TILE);
    for (let bj = bi; bj < n; bj += TILE) {
      const jEnd = Math.min(n, bj + TILE);
      if (wasm !== undefined) {
        wasm.tile(bi, iEnd, bj, jEnd);
        for (let q = 0; q < nl; q++) wasm.fold(q, bi, iEnd, bj, jEnd);
        continue;
      }
      for (let i = bi; i < iEnd; i++) {
        const j0 = bj === bi ? i + 1 : bj;
        if (j0 >= jEnd) continue;
        sqDistJs(x, d, i, j0, jEnd, sq);
        const o = (i - bi) * TILE - bj;
        for (let j = j0; j < jEnd; j++) dist[o + j] = Math.sqrt(sq[j - j0]);
      }
      for (let q = 0; q < nl; q++) fold(dist, labelings[q], ks[q], sums[q], bi, iEnd, bj, jEnd);
    }
  }
  return labelings.map((l, q) => meanSilhouette(sums[q], l, sizes[q], ks[q]));
}
