import { kernels } from './kernels';
import type { Matrix } from './matrix';
import { wasmMatrixFor } from './wasm/engine';

/**
 * Rows are processed in fixed blocks of this many rows. Every sum over rows (inertia, cluster
 * sums) is a sum of per-block partial sums added in block order, so results do not depend on
 * how blocks are spread over threads.
 */
export const ROW_BLOCK = 4096;

/** About how many bytes of rows {@link nearestCentroids} copies into WebAssembly memory at a time (at least one block). */
const STREAM_BYTES = 16 * 1024 * 1024;

/**
 * Assigns each row of `m` to its nearest centroid by squared Euclidean distance
 * (ties go to the lower centroid index). `centroids` is row-major k x m.cols.
 * Returns the labels and the inertia (sum of squared distances to the assigned centroid).
 * The inertia is summed per block of {@link ROW_BLOCK} rows, blocks in order: it equals the
 * inertia `kmeans` reports for the same centroids, bit for bit, and the labels are the ones
 * `kmeans` returns: this is the final assignment step of the Lloyd loop, on the same kernel
 * (WebAssembly SIMD when available, else JavaScript; both compute the same bits).
 */
export function nearestCentroids(m: Matrix, centroids: Float64Array, k: number, labels = new Int32Array(m.rows)): { labels: Int32Array; inertia: number } {
  const d = m.cols;
  if (centroids.length !== k * d) throw new RangeError(`centroids have ${centroids.length} values, expected ${k} x ${d}`);
  if (labels.length < m.rows) throw new RangeError(`labels have ${labels.length} slots, expected at least ${m.rows}`);
  // The rows stream through a small wasm memory, whole blocks at a time, so a pass over a big
  // matrix does not hold a second copy of it; the blocks' inertias are still added in order.
  const chunkRows = Math.min(m.rows, Math.max(1, Math.floor(STREAM_BYTES / (ROW_BLOCK * d * 8))) * ROW_BLOCK);
  const wm = wasmMatrixFor({ rows: chunkRows, cols: d, data: m.data.subarray(0, chunkRows * d) }, k, ROW_BLOCK, { float32: false });
  if (wm !== undefined) {
    const inst = wm.instance();
    wm.setCenters(centroids);
    let total = 0;
    for (let at = 0; at < m.rows; at += chunkRows) {
      const rows = Math.min(chunkRows, m.rows - at);
      if (at > 0) wm.loadRows(m.data.subarray(at * d, (at + rows) * d));
      for (let start = 0; start < rows; start += ROW_BLOCK) total += inst.nearestRows(start, Math.min(rows, start + ROW_BLOCK));
      labels.set(wm.labels.subarray(0, rows), at);
    }
    return { labels, inertia: total };
  }
  const nearest = kernels(k, d).nearest;
  let inertia = 0;
  for (let start = 0; start < m.rows; start += ROW_BLOCK) {
    inertia += nearest(m.data, centroids, start, Math.min(m.rows, start + ROW_BLOCK), labels);
  }
  return { labels, inertia };
}
