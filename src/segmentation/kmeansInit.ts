import { rowSquaredNorms, type Matrix } from './matrix';
import { compileKernel, UNROLL_LIMIT } from './kernels';
import type { Rng } from './rng';
import { wasmEnabled } from './wasm/engine';
import { WasmSeeder } from './wasm/seeding';

/**
 * Where the candidate pass runs: buffers (`closest`: n, `trial`: trials * n, `candRows`:
 * trials * d, `candNorms`: trials), each row's squared norm (`norms`: n) and run(pots), which
 * fills trial and adds each candidate's potential to pots. The JavaScript and the WebAssembly
 * versions compute the same bits.
 */
export interface Seeder {
  readonly closest: Float64Array;
  readonly trial: Float64Array;
  readonly candRows: Float64Array;
  readonly candNorms: Float64Array;
  readonly norms: Float64Array;
  run(pots: Float64Array): void;
}

/**
 * A squared distance from the expansion ||x||^2 + ||c||^2 - 2 x.c, as scikit-learn's k-means++
 * computes it (`_euclidean_distances`), clipped at 0 for the rounding of near-equal rows. Its
 * dot product is summed in feature order, so skipping zeros (the sparse kernels) changes no bit.
 */
export function expandedSq(xNorm: number, cNorm: number, dot: number): number {
  const s = xNorm + cNorm - 2 * dot;
  return s < 0 ? 0 : s;
}

/** Candidates per k-means++ step (scikit-learn's 2 + floor(ln k)). */
export function trialsFor(k: number): number {
  return 2 + Math.floor(Math.log(k));
}

/** The JavaScript candidate pass (the fallback; tests compare it with the WebAssembly one). */
export function jsSeeder(m: Matrix, trials: number): Seeder {
  const kernel = trialKernelFor(trials, m.cols);
  const s = {
    closest: new Float64Array(m.rows),
    trial: new Float64Array(trials * m.rows),
    candRows: new Float64Array(trials * m.cols),
    candNorms: new Float64Array(trials),
    norms: rowSquaredNorms(m.data, m.rows, m.cols),
  };
  return { ...s, run: (pots) => kernel(m.data, s.candRows, s.closest, m.rows, s.trial, pots, s.norms, s.candNorms) };
}

/**
 * A seeder for k-means++ on `m` with k centres, reusable across restarts: the WebAssembly kernel
 * (wasm/seeding.ts) when the Lloyd kernels run as WebAssembly too and the memory can be had,
 * else the JavaScript kernel. A fit whose Lloyd engine holds the rows in a wasm memory uses that
 * engine's seeder instead (one copy of the rows, not two).
 */
export function seederFor(m: Matrix, k: number): Seeder {
  const trials = trialsFor(k);
  if (wasmEnabled()) {
    try {
      return WasmSeeder.own(m, trials);
    } catch (e) {
      if (!(e instanceof RangeError)) throw e;
    }
  }
  return jsSeeder(m, trials);
}

/**
 * Greedy k-means++ seeding as scikit-learn does it (`_kmeans_plusplus`): the first centre is a
 * uniformly drawn row; each next centre is the best of `2 + floor(ln k)` candidates drawn with
 * probability proportional to the squared distance to the nearest centre so far, "best" being
 * the candidate that minimises the resulting potential (sum of squared distances).
 *
 * Squared distances come from the expansion ||x||^2 + ||c||^2 - 2 x.c clipped at 0, as scikit-learn
 * computes them here ({@link expandedSq}): a dot product per row and candidate, which the sparse
 * kernel sums over the row's non-zeros only. All candidates of a round are evaluated in one pass
 * over the rows (each row read once).
 * Returns the k x cols row-major centres.
 */
export function kmeansPlusPlus(m: Matrix, k: number, rng: Rng, seeder: Seeder = seederFor(m, k)): Float64Array {
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const centers = new Float64Array(k * d);
  const nTrials = trialsFor(k);

  const first = rng.nextInt(n);
  centers.set(x.subarray(first * d, first * d + d), 0);
  const { closest, trial, candRows, candNorms, norms } = seeder;
  // the first centre's squared distances: the candidate pass with every candidate the first row
  // and no closest centre yet (+Infinity), so trial 0 holds them and pots[0] their sum in row order
  closest.fill(Infinity);
  for (let t = 0; t < nTrials; t++) {
    candRows.set(x.subarray(first * d, first * d + d), t * d);
    candNorms[t] = norms[first];
  }
  const pots = new Float64Array(nTrials);
  seeder.run(pots);
  let pot = pots[0];
  closest.set(trial.subarray(0, n));

  const cumsum = new Float64Array(n);
  const candidates = new Int32Array(nTrials);
  // trial[t * n + i]: min(closest[i], dist(i, candidate t)); one buffer per trial, the winner becomes `closest`.

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
      candNorms[t] = norms[candidates[t]];
    }
    pots.fill(0);
    seeder.run(pots);
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

/**
 * For every row i and candidate t: trial[t * n + i] = min(closest[i], expandedSq(norms[i],
 * candNorms[t], x_i . cand_t)), and pots[t] += that value, rows in order. Specialised for
 * (trials, d) like the Lloyd kernels.
 */
type TrialKernel = (x: Float64Array, cand: Float64Array, closest: Float64Array, n: number, trial: Float64Array, pots: Float64Array, norms: Float64Array, candNorms: Float64Array) => void;

const TRIAL_PARAMS = ['x', 'cand', 'closest', 'n', 'trial', 'pots', 'norms', 'candNorms'] as const;
const trialCache = new Map<string, TrialKernel>();

export function trialKernelSource(trials: number, d: number): string {
  // the same sequence as expandedSq: e = (||x||^2 + ||c||^2) - 2 dot, then e < 0 ? 0 : e
  if (trials * d > UNROLL_LIMIT) {
    return `
for (let t = 0; t < ${trials}; t++) {
  let p = 0;
  const nc = candNorms[t];
  for (let i = 0; i < n; i++) {
    const xo = i * ${d};
    let s = 0;
    for (let j = 0; j < ${d}; j++) s += x[xo + j] * cand[t * ${d} + j];
    let e = norms[i] + nc - 2 * s;
    if (e < 0) e = 0;
    const ci = closest[i];
    const v = e < ci ? e : ci;
    trial[t * n + i] = v;
    p += v;
  }
  pots[t] += p;
}`;
  }
  let src = '';
  for (let t = 0; t < trials; t++) for (let j = 0; j < d; j++) src += `const c${t}_${j} = cand[${t * d + j}];\n`;
  for (let t = 0; t < trials; t++) src += `let p${t} = 0;\nconst o${t} = ${t} * n;\nconst nc${t} = candNorms[${t}];\n`;
  src += `for (let i = 0, xo = 0; i < n; i++, xo += ${d}) {\n const ci = closest[i];\n const nx = norms[i];\n`;
  for (let j = 0; j < d; j++) src += ` const x${j} = x[xo + ${j}];\n`;
  for (let t = 0; t < trials; t++) {
    src += ` let s${t} = 0;\n`;
    for (let j = 0; j < d; j++) src += ` s${t} += x${j} * c${t}_${j};\n`;
    src += ` { let e = nx + nc${t} - 2 * s${t}; if (e < 0) e = 0; const v = e < ci ? e : ci; trial[o${t} + i] = v; p${t} += v; }\n`;
  }
  src += '}\n';
  for (let t = 0; t < trials; t++) src += `pots[${t}] += p${t};\n`;
  return src;
}

function trialKernelFor(trials: number, d: number): TrialKernel {
  const key = `${trials}:${d}`;
  let f = trialCache.get(key);
  if (f === undefined) {
    f = compileKernel<TrialKernel>(TRIAL_PARAMS, trialKernelSource(trials, d));
    trialCache.set(key, f);
  }
  return f;
}
