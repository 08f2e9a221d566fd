import type { Matrix } from './matrix';

/**
 * Rows are processed in fixed blocks of this many rows. Every sum over rows (inertia, cluster
 * sums) is a sum of per-block partial sums added in block order, so results do not depend on
 * how blocks are spread over threads.
 */
export const ROW_BLOCK = 4096;

/**
 * Assigns rows [start, end) to their nearest centroid by exact squared Euclidean distance
 * sum((x - c)^2) (ties go to the lower centroid index), writing `labels[i]`; returns the sum of
 * the squared distances of these rows, added in row order.
 *
 * Self-contained (no closures, no imports, no nested functions): worker threads compile the
 * same source, so labels and partial sums are bit-identical in every thread.
 */
export function nearestBlock(x: Float64Array, d: number, k: number, centroids: Float64Array, start: number, end: number, labels: Int32Array): number {
  let inertia = 0;
  for (let i = start; i < end; i++) {
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
  return inertia;
}

/**
 * Assigns each row of `m` to its nearest centroid by squared Euclidean distance
 * (ties go to the lower centroid index). `centroids` is row-major k x m.cols.
 * Returns the labels and the inertia (sum of squared distances to the assigned centroid).
 * The inertia is summed per block of {@link ROW_BLOCK} rows, blocks in order: it equals the
 * inertia `kmeans` reports for the same centroids, bit for bit.
 */
export function nearestCentroids(m: Matrix, centroids: Float64Array, k: number, labels = new Int32Array(m.rows)): { labels: Int32Array; inertia: number } {
  const d = m.cols;
  if (centroids.length !== k * d) throw new RangeError(`centroids have ${centroids.length} values, expected ${k} x ${d}`);
  if (labels.length < m.rows) throw new RangeError(`labels have ${labels.length} slots, expected at least ${m.rows}`);
  let inertia = 0;
  for (let start = 0; start < m.rows; start += ROW_BLOCK) {
    inertia += nearestBlock(m.data, d, k, centroids, start, Math.min(m.rows, start + ROW_BLOCK), labels);
  }
  return { labels, inertia };
}
