import type { Matrix } from './matrix';
import type { Rng } from './rng';

/**
 * Greedy k-means++ seeding as scikit-learn does it (`_kmeans_plusplus`): the first centre is a
 * uniformly drawn row; each next centre is the best of `2 + floor(ln k)` candidates drawn with
 * probability proportional to the squared distance to the nearest centre so far, "best" being
 * the candidate that minimises the resulting potential (sum of squared distances).
 *
 * Distances are computed directly as sum((x - c)^2), so they are exact and never negative.
 * All candidates of a round are evaluated in one pass over the rows (each row read once).
 * Returns the k x cols row-major centres.
 */
export function kmeansPlusPlus(m: Matrix, k: number, rng: Rng): Float64Array {
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const centers = new Float64Array(k * d);
  const nTrials = 2 + Math.floor(Math.log(k));

  const first = rng.nextInt(n);
  centers.set(x.subarray(first * d, first * d + d), 0);
  const closest = new Float64Array(n);
  let pot = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    const co = first * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const t = x[o + j] - x[co + j];
      s += t * t;
    }
    closest[i] = s;
    pot += s;
  }

  const cumsum = new Float64Array(n);
  const candidates = new Int32Array(nTrials);
  const candRows = new Float64Array(nTrials * d);
  // trial[t * n + i]: min(closest[i], dist(i, candidate t)); one buffer per trial, the winner becomes `closest`.
  const trial = new Float64Array(nTrials * n);
  const pots = new Float64Array(nTrials);

  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) {
      acc += closest[i];
      cumsum[i] = acc;
    }
    for (let t = 0; t < nTrials; t++) {
      const v = rng.nextFloat() * pot;
      candidates[t] = searchLeft(cumsum, v);
      candRows.set(x.subarray(candidates[t] * d, candidates[t] * d + d), t * d);
    }
    pots.fill(0);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      const ci = closest[i];
      for (let t = 0; t < nTrials; t++) {
        const co = t * d;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const u = x[o + j] - candRows[co + j];
          s += u * u;
        }
        const v = s < ci ? s : ci;
        trial[t * n + i] = v;
        pots[t] += v;
      }
    }
    let best = 0;
    for (let t = 1; t < nTrials; t++) if (pots[t] < pots[best]) best = t;
    pot = pots[best];
    const next = trial.subarray(best * n, best * n + n);
    closest.set(next);
    centers.set(candRows.subarray(best * d, best * d + d), c * d);
  }
  return centers;
}

/** numpy.searchsorted(a, v, side='left') clipped to a.length - 1: the first i with a[i] >= v. */
function searchLeft(a: Float64Array, v: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo < a.length ? lo : a.length - 1;
}
