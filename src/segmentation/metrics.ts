import { nearestCentroids } from './distance';
import type { Matrix } from './matrix';
import { clusterSizes, silhouetteScores } from './silhouette';

/**
 * Mean silhouette coefficient over all rows, exactly as scikit-learn's `silhouette_score`
 * (Euclidean): a = mean distance to the other members of the own cluster, b = lowest mean
 * distance to another non-empty cluster, s = (b - a) / max(a, b), s = 0 for singleton clusters.
 *
 * O(n^2 d) time, O(n k) memory: {@link silhouetteScores} with one labeling (distances once per
 * unordered pair, tile by tile, by the WebAssembly SIMD kernel when available).
 */
export function silhouetteScore(m: Matrix, labels: Int32Array, k: number): number {
  return silhouetteScores(m, [labels], [k])[0];
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
