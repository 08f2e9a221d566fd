import { kmeansPlusPlus, seederFor, trialsFor } from './kmeansInit';
import { resolveKMeansOptions, type KMeansOptions, type ResolvedKMeansOptions } from './kmeansParams';
import { lloydEngine, runLloydOn, type LloydEngine, type LloydResult } from './lloyd';
import { LloydPool } from './lloydParallel';
import type { Matrix } from './matrix';
import { ROW_BLOCK } from './distance';
import { placedRows } from './wasm/engine';
import { Rng } from './rng';

export type { KMeansOptions } from './kmeansParams';

export interface KMeansResult {
  /** k x cols, row-major. */
  readonly centroids: Float64Array;
  /** One label in [0, k) per row; each row's nearest centroid (exact squared distance, ties to the lower index). */
  readonly labels: Int32Array;
  /** Sum of squared distances of the rows to their centroid. */
  readonly inertia: number;
  /** Lloyd iterations of the kept restart. */
  readonly iterations: number;
}

/**
 * The absolute tolerance scikit-learn derives from `tol`: the mean over features of the
 * (population) variance of the data, times tol.
 */
export function absoluteTolerance(m: Matrix, tol: number): number {
  if (tol === 0) return 0;
  const n = m.rows;
  const d = m.cols;
  const x = m.data;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x[i * d + j];
  for (let j = 0; j < d; j++) mean[j] /= n;
  const v = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const t = x[i * d + j] - mean[j];
      v[j] += t * t;
    }
  }
  let s = 0;
  for (let j = 0; j < d; j++) s += v[j] / n;
  return (s / d) * tol;
}

/**
 * Zero-filled storage for the data of a rows x cols matrix that {@link kmeans} or
 * {@link kmeansParallel} with k clusters then uses in place: with the WebAssembly kernels the
 * rows are written straight into the engine's memory, so the fit does not copy them (a matrix of
 * 1.5M x 7 is then held once: 84 MB less). Any matrix works with any k; this only saves the copy.
 */
export function kmeansStorage(rows: number, cols: number, k: number): Float64Array {
  return placedRows(rows, cols, k, ROW_BLOCK, { seedTrials: trialsFor(k) }) ?? new Float64Array(rows * cols);
}

/** The seed of restart `run`: restarts draw from independent streams forked from the seed. */
export function restartRngs(seed: number, nInit: number): Rng[] {
  const root = new Rng(seed);
  const out: Rng[] = [];
  for (let r = 0; r < nInit; r++) out.push(root.fork(r));
  return out;
}

/** Keeps the restart with the strictly lowest inertia (the first one on ties). */
export function better(best: LloydResult | undefined, run: LloydResult): boolean {
  return best === undefined || run.inertia < best.inertia;
}

/**
 * k-means on the rows of `m`: `nInit` restarts of seeded greedy k-means++ followed by Lloyd
 * iterations (scikit-learn's algorithm and stopping rule), keeping the lowest inertia.
 * Synchronous, single-threaded; same input and seed give byte-identical output, equal to
 * {@link kmeansParallel} with any thread count.
 */
export function kmeans(m: Matrix, opts: KMeansOptions): KMeansResult {
  const o = resolveKMeansOptions(m, opts);
  const tolAbs = absoluteTolerance(m, o.tol);
  const engine = lloydEngine(m, o.k, trialsFor(o.k));
  const seeder = engine.seeder ?? seederFor(m, o.k);
  return bestRun(engine, m, o, tolAbs, (rng) => kmeansPlusPlus(m, o.k, rng, seeder));
}

/** Lloyd from each restart's initial centres (`init`, seeded by the restart's stream) on `engine`; the lowest inertia kept. */
function bestRun(engine: LloydEngine, m: Matrix, o: ResolvedKMeansOptions, tolAbs: number, init: (rng: Rng, restart: number) => Float64Array): KMeansResult {
  const rngs = restartRngs(o.seed, o.nInit);
  let best: LloydResult | undefined;
  for (let r = 0; r < rngs.length; r++) {
    const run = runLloydOn(engine, m, init(rngs[r], r), o.k, o.maxIter, tolAbs);
    if (better(best, run)) best = run;
  }
  const b = best as LloydResult;
  return { centroids: b.centroids, labels: b.labels, inertia: b.inertia, iterations: b.iterations };
}

/**
 * {@link kmeans} for several k on the same rows: one result per k in the order given, each
 * byte-identical to `kmeans(m, { ...opts, k })`.
 *
 * Why it is cheaper than one call per k: greedy k-means++ draws, for restart r, from a stream
 * forked from the seed whatever k is, and takes 2 + floor(ln k) candidates per step. For every k
 * with the same number of candidates it therefore makes the same choices step by step, so the
 * seeding of the largest such k holds each smaller one's initial centres as its first rows. One
 * seeding per restart and candidate count serves them all (k = 2..10: 56 candidate passes over
 * the rows instead of 158); the Lloyd runs are per k as in {@link kmeans}.
 */
export function kmeansForKs(m: Matrix, ks: readonly number[], opts: Omit<KMeansOptions, 'k'>): KMeansResult[] {
  const resolved = ks.map((k) => resolveKMeansOptions(m, { ...opts, k }));
  if (resolved.length === 0) return [];
  // every k has the same seed, restarts and tolerance (opts is shared): one seeding per candidate count
  const { seed, nInit, tol } = resolved[0];
  const kMaxOf = new Map<number, number>();
  for (const o of resolved) kMaxOf.set(trialsFor(o.k), Math.max(o.k, kMaxOf.get(trialsFor(o.k)) ?? 0));
  const seeded = new Map<number, Float64Array[]>();
  for (const [trials, kMax] of kMaxOf) {
    const seeder = seederFor(m, kMax);
    seeded.set(
      trials,
      restartRngs(seed, nInit).map((rng) => kmeansPlusPlus(m, kMax, rng, seeder)),
    );
  }
  const tolAbs = absoluteTolerance(m, tol);
  return resolved.map((o) => {
    const inits = seeded.get(trialsFor(o.k)) as Float64Array[];
    return bestRun(lloydEngine(m, o.k), m, o, tolAbs, (_, r) => inits[r].subarray(0, o.k * m.cols));
  });
}

/**
 * {@link kmeans} with the Lloyd iterations spread over `opts.threads` worker threads (default 1:
 * no worker). The k-means++ seeding runs on the calling thread. The result is byte-identical to
 * `kmeans(m, opts)` for every thread count.
 */
export async function kmeansParallel(m: Matrix, opts: KMeansOptions): Promise<KMeansResult> {
  const o = resolveKMeansOptions(m, opts);
  if (o.threads === 1) return kmeans(m, opts);
  const tolAbs = absoluteTolerance(m, o.tol);
  const pool = new LloydPool(m, o.k, o.threads, trialsFor(o.k));
  try {
    const seeder = pool.seeder ?? seederFor(m, o.k);
    let best: LloydResult | undefined;
    for (const rng of restartRngs(o.seed, o.nInit)) {
      const init = kmeansPlusPlus(m, o.k, rng, seeder);
      const run = await pool.run(init, o.maxIter, tolAbs);
      if (better(best, run)) best = run;
    }
    const b = best as LloydResult;
    return { centroids: b.centroids, labels: b.labels, inertia: b.inertia, iterations: b.iterations };
  } finally {
    await pool.close();
  }
}
