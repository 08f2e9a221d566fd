/**
 * Stable segment numbers across reruns: new clusters are matched to the previous run's
 * centroids by an optimal assignment (Hungarian algorithm) on squared centroid distance, so a
 * segment keeps its number from night to night.
 */

/**
 * Minimum-cost perfect assignment on a square cost matrix (row-major n x n), O(n^3)
 * (Kuhn-Munkres with potentials). Returns `assignment[row] = column`. Ties are broken by the
 * lowest index, so the result is deterministic.
 */
export function hungarian(cost: Float64Array, n: number): Int32Array {
  const INF = Number.POSITIVE_INFINITY;
  const u = new Float64Array(n + 1);
  const v = new Float64Array(n + 1);
  const p = new Int32Array(n + 1); // p[col] = row matched to col (1-based), 0 = none
  const way = new Int32Array(n + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    const minv = new Float64Array(n + 1).fill(INF);
    const used = new Uint8Array(n + 1);
    do {
      used[j0] = 1;
      const i0 = p[j0];
      let delta = INF;
      let j1 = 0;
      for (let j = 1; j <= n; j++) {
        if (used[j]) continue;
        const cur = cost[(i0 - 1) * n + (j - 1)] - u[i0] - v[j];
        if (cur < minv[j]) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j] < delta) {
          delta = minv[j];
          j1 = j;
        }
      }
      for (let j = 0; j <= n; j++) {
        if (used[j]) {
          u[p[j]] += delta;
          v[j] -= delta;
        } else {
          minv[j] -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0];
      p[j0] = p[j1];
      j0 = j1;
    } while (j0 !== 0);
  }
  const assignment = new Int32Array(n);
  for (let j = 1; j <= n; j++) if (p[j] > 0) assignment[p[j] - 1] = j - 1;
  return assignment;
}

/** A previous run's centroids, by feature column name, so a changed feature set still compares. */
export interface PreviousCentroids {
  readonly columns: readonly string[];
  /** previous[segment][column] in the previous run's scaled, weighted space. */
  readonly centroids: readonly (readonly number[])[];
}

/**
 * The number each new cluster should carry: `mapping[newCluster] = segment` in [0, k).
 * Segment j < previous k is matched by minimum total squared distance between the new centroid
 * and the previous segment j's centroid (columns matched by name; a column missing on one side
 * counts as 0). Numbers with no previous centroid cost a large constant, so real matches come first.
 */
export function matchToPrevious(centroids: Float64Array, k: number, columns: readonly string[], previous: PreviousCentroids): Int32Array {
  const d = columns.length;
  const prevIndex = new Map(previous.columns.map((c, i) => [c, i]));
  const prevAligned: Float64Array[] = previous.centroids.slice(0, k).map((row) => {
    const out = new Float64Array(d);
    columns.forEach((c, j) => {
      const pi = prevIndex.get(c);
      out[j] = pi === undefined ? 0 : row[pi];
    });
    return out;
  });
  let maxDist = 0;
  const cost = new Float64Array(k * k);
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < prevAligned.length; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = centroids[i * d + c] - prevAligned[j][c];
        s += t * t;
      }
      // Columns only the previous run had add their squared value: that part of the distance is real too.
      previous.columns.forEach((name, pc) => {
        if (!columns.includes(name)) s += previous.centroids[j][pc] ** 2;
      });
      cost[i * k + j] = s;
      if (s > maxDist) maxDist = s;
    }
  }
  const unmatched = (maxDist + 1) * (k + 1);
  for (let i = 0; i < k; i++) for (let j = prevAligned.length; j < k; j++) cost[i * k + j] = unmatched;
  return hungarian(cost, k);
}
