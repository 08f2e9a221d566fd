import { nearestCentroids } from './distance';
import type { Matrix } from './matrix';

/** Rows per tile of the pairwise silhouette loop: two tiles of 20 features stay in L1. */
const SIL_TILE = 128;

/** Checks labels against the matrix and returns the size of each cluster. */
function clusterSizes(m: Matrix, labels: Int32Array, k: number, what: string): Float64Array {
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
 * Mean silhouette coefficient over all rows, exactly as scikit-learn's `silhouette_score`
 * (Euclidean): a = mean distance to the other members of the own cluster, b = lowest mean
 * distance to another non-empty cluster, s = (b - a) / max(a, b), s = 0 for singleton clusters.
 *
 * O(n^2 d) time, O(n k) memory: the pairwise distances are computed once per unordered pair,
 * tile by tile (SIL_TILE rows against SIL_TILE rows, both in L1), and folded into per-row,
 * per-cluster distance sums; nothing is allocated per pair.
 */
export function silhouetteScore(m: Matrix, labels: Int32Array, k: number): number {
  const sizes = clusterSizes(m, labels, k, 'silhouette');
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const sums = new Float64Array(n * k);
  for (let bi = 0; bi < n; bi += SIL_TILE) {
    const iEnd = Math.min(n, bi + SIL_TILE);
    for (let bj = bi; bj < n; bj += SIL_TILE) {
      const jEnd = Math.min(n, bj + SIL_TILE);
      for (let i = bi; i < iEnd; i++) {
        const io = i * d;
        const li = labels[i];
        const si = i * k;
        for (let j = bj === bi ? i + 1 : bj; j < jEnd; j++) {
          const jo = j * d;
          let s = 0;
          for (let t = 0; t < d; t++) {
            const u = x[io + t] - x[jo + t];
            s += u * u;
          }
          const dist = Math.sqrt(s);
          sums[si + labels[j]] += dist;
          sums[j * k + li] += dist;
        }
      }
    }
  }
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
 * Calinski-Harabasz index as scikit-learn's `calinski_harabasz_score`: between-cluster
 * dispersion over within-cluster dispersion, times (n - K) / (K - 1), K = non-empty clusters;
 * 1 when the within-cluster dispersion is 0.
 */
export function calinskiHarabasz(m: Matrix, labels: Int32Array, k: number): number {
  const sizes = clusterSizes(m, labels, k, 'calinski-harabasz');
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const mean = new Float64Array(d);
  const cmeans = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const co = labels[i] * d;
    for (let j = 0; j < d; j++) {
      mean[j] += x[i * d + j];
      cmeans[co + j] += x[i * d + j];
    }
  }
  let present = 0;
  for (let j = 0; j < d; j++) mean[j] /= n;
  let extra = 0;
  for (let c = 0; c < k; c++) {
    if (sizes[c] === 0) continue;
    present++;
    let s = 0;
    for (let j = 0; j < d; j++) {
      cmeans[c * d + j] /= sizes[c];
      const t = cmeans[c * d + j] - mean[j];
      s += t * t;
    }
    extra += sizes[c] * s;
  }
  let intra = 0;
  for (let i = 0; i < n; i++) {
    const co = labels[i] * d;
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - cmeans[co + j];
      intra += t * t;
    }
  }
  if (intra === 0) return 1;
  return (extra * (n - present)) / (intra * (present - 1));
}

/**
 * Inertia of all rows of `m` against given centroids (k x cols, row-major): the sum of squared
 * distances of each row to its nearest centroid. Equals `kmeans(...).inertia` bit for bit when
 * given that run's centroids.
 */
export function inertiaOf(m: Matrix, centroids: Float64Array, k: number): number {
  return nearestCentroids(m, centroids, k).inertia;
}

/**
 * Adjusted Rand index of two labelings of the same rows (Hubert & Arabie; scikit-learn's
 * adjusted_rand_score): the Rand index corrected for chance, 1 for identical partitions (up to
 * renaming), about 0 for independent ones. Labels of `a` are in 0..ka-1, of `b` in 0..kb-1.
 */
export function adjustedRandIndex(a: Int32Array, b: Int32Array, ka: number, kb: number): number {
  const n = a.length;
  if (b.length !== n) throw new RangeError(`labelings of ${n} and ${b.length} rows`);
  const table = new Float64Array(ka * kb);
  const rowSums = new Float64Array(ka);
  const colSums = new Float64Array(kb);
  for (let i = 0; i < n; i++) {
    table[a[i] * kb + b[i]]++;
    rowSums[a[i]]++;
    colSums[b[i]]++;
  }
  const pairs = (x: number): number => (x * (x - 1)) / 2;
  let index = 0;
  for (const v of table) index += pairs(v);
  let sumA = 0;
  for (const v of rowSums) sumA += pairs(v);
  let sumB = 0;
  for (const v of colSums) sumB += pairs(v);
  const expected = (sumA * sumB) / pairs(n);
  const max = (sumA + sumB) / 2;
  // Both partitions trivial (one cluster each, or every row alone): identical by convention.
  if (max === expected) return 1;
  return (index - expected) / (max - expected);
}
