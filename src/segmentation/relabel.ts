import { nearestCentroids } from './distance';
import type { Matrix } from './matrix';

/**
 * The canonical order of k clusters: by size descending, ties by centroid coordinates compared
 * lexicographically (ascending), then by the original index. `order[segment] = cluster`.
 */
export function sizeOrder(sizes: ArrayLike<number>, centroids: Float64Array, k: number, d: number): number[] {
  return Array.from({ length: k }, (_, c) => c).sort((a, b) => {
    if (sizes[a] !== sizes[b]) return sizes[b] - sizes[a];
    for (let j = 0; j < d; j++) {
      const x = centroids[a * d + j];
      const y = centroids[b * d + j];
      if (x !== y) return x < y ? -1 : 1;
    }
    return a - b;
  });
}

/** The centroids (k x d, row-major) in `order` (`order[segment] = cluster`). */
export function reorderCentroids(centroids: Float64Array, order: readonly number[], d: number): Float64Array {
  const out = new Float64Array(order.length * d);
  order.forEach((old, c) => out.set(centroids.subarray(old * d, old * d + d), c * d));
  return out;
}

/**
 * Canonical segment numbering, independent of k-means' initialisation order: clusters sorted by
 * {@link sizeOrder}. Segment 0 is the largest.
 *
 * Returns the centroids in the new order and every row's label against them, recomputed with
 * `nearestCentroids` (so `assign` on the same rows gives exactly these labels; only a row exactly
 * equidistant from two centroids could differ from a plain renumbering).
 */
export function canonicalOrder(m: Matrix, centroids: Float64Array, labels: Int32Array, k: number): { centroids: Float64Array; labels: Int32Array; inertia: number; order: number[] } {
  const d = m.cols;
  const sizes = new Float64Array(k);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  const order = sizeOrder(sizes, centroids, k, d);
  const out = reorderCentroids(centroids, order, d);
  const r = nearestCentroids(m, out, k);
  return { centroids: out, labels: r.labels, inertia: r.inertia, order };
}
