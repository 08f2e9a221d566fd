import type { Matrix } from './matrix';

/** Options of {@link kmeans}; see there. */
export interface KMeansOptions {
  /** Number of clusters, 2 <= k < rows. */
  readonly k: number;
  /** Seed of every random choice (safe integer). */
  readonly seed: number;
  /** Number of k-means++ restarts; the run with the lowest inertia is kept. Default {@link DEFAULT_N_INIT}. */
  readonly nInit?: number;
  /** Maximum Lloyd iterations per restart. Default 300. */
  readonly maxIter?: number;
  /** Relative tolerance as scikit-learn defines it (times the mean per-feature variance). Default 1e-4. */
  readonly tol?: number;
  /** Worker threads for the Lloyd iterations (only {@link kmeansParallel}). Default 1. */
  readonly threads?: number;
}

/**
 * Default number of k-means++ restarts: 20, twice scikit-learn's n_init=10. Away from the true
 * k, single restarts land in many local minima (bench/README.md: on the parity blobs only 20-30%
 * of restarts come within 0.5% of the best inertia found), so 10 restarts miss that level a few
 * percent of the time, scikit-learn's as much as ours; 20 restarts make it about 100 times rarer.
 * The WebAssembly kernel more than pays for the extra restarts.
 */
export const DEFAULT_N_INIT = 20;

export interface ResolvedKMeansOptions {
  readonly k: number;
  readonly seed: number;
  readonly nInit: number;
  readonly maxIter: number;
  readonly tol: number;
  readonly threads: number;
}

function isPositiveInt(v: number): boolean {
  return Number.isSafeInteger(v) && v >= 1;
}

/** Checks the matrix shape and every value (finite), without allocating. */
export function validateMatrix(m: Matrix, what = 'matrix'): void {
  if (!isPositiveInt(m.rows) || !Number.isSafeInteger(m.cols) || m.cols < 1) {
    throw new RangeError(`${what} must have at least one row and one column, got ${m.rows} x ${m.cols}`);
  }
  if (m.data.length !== m.rows * m.cols) {
    throw new RangeError(`${what} data has ${m.data.length} values, expected ${m.rows} x ${m.cols}`);
  }
  const x = m.data;
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    if (v - v !== 0) {
      const row = Math.floor(i / m.cols);
      throw new RangeError(`${what} has a non-finite value ${v} at row ${row}, column ${i - row * m.cols}; impute or drop it before clustering`);
    }
  }
}

/** Checks `k` against the matrix: an integer with 2 <= k < rows. */
export function validateK(k: number, rows: number): void {
  if (!Number.isSafeInteger(k) || k < 2) throw new RangeError(`k must be an integer >= 2, got ${k}`);
  if (k >= rows) throw new RangeError(`k must be smaller than the number of rows (${rows}), got ${k}; use fewer clusters or more rows`);
}

/** The one place k-means options are validated; fills the defaults. Throws RangeError with a clear message. */
export function resolveKMeansOptions(m: Matrix, opts: KMeansOptions): ResolvedKMeansOptions {
  if (opts === null || typeof opts !== 'object') throw new RangeError('k-means options must be an object with at least k and seed');
  validateMatrix(m);
  validateK(opts.k, m.rows);
  if (!Number.isSafeInteger(opts.seed)) throw new RangeError(`seed must be a safe integer, got ${opts.seed}`);
  const nInit = opts.nInit ?? DEFAULT_N_INIT;
  if (!isPositiveInt(nInit)) throw new RangeError(`nInit must be an integer >= 1, got ${nInit}`);
  const maxIter = opts.maxIter ?? 300;
  if (!isPositiveInt(maxIter)) throw new RangeError(`maxIter must be an integer >= 1, got ${maxIter}`);
  const tol = opts.tol ?? 1e-4;
  if (!(typeof tol === 'number' && tol >= 0 && Number.isFinite(tol))) throw new RangeError(`tol must be a finite number >= 0, got ${tol}`);
  const threads = opts.threads ?? 1;
  if (!isPositiveInt(threads) || threads > 64) throw new RangeError(`threads must be an integer in [1, 64], got ${threads}`);
  return { k: opts.k, seed: opts.seed, nInit, maxIter, tol, threads };
}
