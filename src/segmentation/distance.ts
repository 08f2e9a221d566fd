import type { Matrix } from './matrix';

/**
 * Assigns each row of `m` to its nearest centroid by squared Euclidean distance
 * (ties go to the lower centroid index). `centroids` is row-major k x m.cols.
 * Returns the labels and the inertia (sum of squared distances to the assigned centroid).
 */
export function nearestCentroids(m: Matrix, centroids: Float64Array, k: number, labels = new Int32Array(m.rows)): { labels: Int32Array; inertia: number } {
  const d = m.cols;
  if (centroids.length !== k * d) throw new RangeError(`centroids have ${centroids.length} values, expected ${k} x ${d}`);
  const x = m.data;
  let inertia = 0;
  for (let i = 0; i < m.rows; i++) {
    const xo = i * d;
    let best = 0;
    let bestDist = Infinity;
    for (let c = 0; c < k; c++) {
      const co = c * d;
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = x[xo + j] - centroids[co + j];
        s += t * t;
      }
      if (s < bestDist) {
        bestDist = s;
        best = c;
      }
    }
    labels[i] = best;
    inertia += bestDist;
  }
  return { labels, inertia };
}
