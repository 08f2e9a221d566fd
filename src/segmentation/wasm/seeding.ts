/**
 * The k-means++ candidate pass (kmeansInit.ts's trial kernel) as WebAssembly SIMD: for every row
 * i and candidate t, trial[t * n + i] = min(closest[i], e) with e = (||x_i||^2 + ||c_t||^2) -
 * 2 x_i.c_t clipped at 0 (kmeansInit.ts expandedSq), and pots[t] = the sum of those over the rows
 * in order.
 *
 * Candidates go two per f64x2 (one per lane), the row's value splat into both lanes. Each lane
 * performs the JavaScript kernel's scalar sequence (dot = 0, then dot += x_j c_j in feature order,
 * e, `e < ci ? e : ci`, p += v in row order; no fused multiply-add), so the seeding, and hence
 * every fit, is bit-identical whichever kernel runs. The dense kernel takes two rows per loop
 * iteration; the sparse one (rows with at most SPARSE_MAX_DENSITY non-zeros) reads each row's
 * non-zero records (sparseRows.ts) and skips the zero products, which add nothing to the dot.
 *
 * Memory: the rows x (n * d) are the Lloyd engine's (engine.ts, a layout with `seedTrials`), so
 * a fit holds one copy of its rows; {@link WasmSeeder.own} copies them into a memory of its own
 * when there is no engine memory. Then cand (d pairs per candidate pair: [j][p]), closest (n),
 * trial (trials * n), pots (2 * pairs), candRows (trials * d), norms (n), candNorms (2 * pairs),
 * all float64; the records and row starts of the sparse kernel where it runs.
 */
import { rowSquaredNorms, type Matrix } from '../matrix';
import { instantiate, regionLayout, sharedMemory, type WasmMemory } from './api';
import { columnPairLoop } from './common';
import { encodeModule, FnBuilder, MAX_PAGES, moduleWat, withText } from './encoder';
import { countNonZeros, eachRecord, fillSparseRows, RECORD_BYTES, rowRecords, SPARSE_MAX_DENSITY, type SparseLocals } from './sparseRows';

const PARAMS = ['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'] as const;
/** The parameters' indices: trials(x, cand, closest, n, trial, pots, norms, candNorms, records, rowStart). */
const [X, CAND, CLOSEST, N, TRIAL, POTS, NORMS, CAND_NORMS, RECORDS, ROW_START] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];

/** The locals both kernels share. */
interface TrialLocals {
  readonly i: number;
  readonly co: number;
  readonly to: number;
  readonly no: number;
  readonly cv: number;
  readonly v: number;
  readonly zero: number;
  readonly pot: readonly number[];
}

function trialLocals(f: FnBuilder, np: number): TrialLocals {
  const L = {
    i: f.local('i32'),
    co: f.local('i32'),
    to: f.local('i32'),
    no: f.local('i32'),
    cv: f.local('v128'),
    v: f.local('v128'),
    zero: f.local('v128'),
    pot: Array.from({ length: np }, () => f.local('v128')),
  };
  f.get(CLOSEST).set(L.co);
  f.get(TRIAL).set(L.to);
  f.get(NORMS).set(L.no);
  f.i64x2(0, 0).set(L.zero);
  for (let p = 0; p < np; p++) f.i64x2(0, 0).set(L.pot[p]);
  return L;
}

/**
 * For row r of the group (its closest value at co + r * 8, its norm at no + r * 8), from the dot
 * products in dots[p]: e per candidate lane, v = min(closest, e), stored to trial, added to pot.
 */
function rowEpilogue(f: FnBuilder, L: TrialLocals, trials: number, dots: readonly number[], r: number): void {
  for (let p = 0; p < dots.length; p++) {
    // e = (||x||^2 + ||c||^2) - (dot + dot), then e < 0 ? 0 : e
    f.get(L.no)
      .mem('v128.load64_splat', r * 8)
      .get(CAND_NORMS)
      .mem('v128.load', p * 16)
      .op('f64x2.add')
      .get(dots[p])
      .get(dots[p])
      .op('f64x2.add')
      .op('f64x2.sub')
      .set(L.v);
    f.get(L.zero).get(L.v).get(L.v).get(L.zero).op('f64x2.lt').op('v128.bitselect').set(L.v);
    f.get(L.co)
      .mem('v128.load64_splat', r * 8)
      .set(L.cv);
    // v = e < ci ? e : ci, lane-wise
    f.get(L.v).get(L.cv).get(L.v).get(L.cv).op('f64x2.lt').op('v128.bitselect').set(L.v);
    f.get(L.pot[p]).get(L.v).op('f64x2.add').set(L.pot[p]);
    for (let lane = 0; lane < 2 && 2 * p + lane < trials; lane++) {
      // trial[t * n + i]: to + t * n * 8 + r * 8
      f.get(L.to)
        .get(N)
        .i32((2 * p + lane) * 8)
        .op('i32.mul')
        .op('i32.add')
        .get(L.v)
        .lane('f64x2.extract_lane', lane)
        .mem('f64.store', r * 8);
    }
  }
}

/** The row loop: `rows` rows per iteration while they last, advancing the closest, trial and norm pointers (and `more`). */
function rowSteps(f: FnBuilder, L: TrialLocals, rows: number, body: () => void, more: ReadonlyArray<readonly [number, number]> = []): void {
  f.block().loop();
  f.get(L.i)
    .i32(rows - 1)
    .op('i32.add')
    .get(N)
    .op('i32.ge_s')
    .brIf(1);
  body();
  for (const [p, bytes] of [[L.co, 8], [L.to, 8], [L.no, 8], [L.i, 1], ...more] as const)
    f.get(p)
      .i32(rows * bytes)
      .op('i32.add')
      .set(p);
  f.br(0).op('end').op('end');
}

function storePots(f: FnBuilder, L: TrialLocals): void {
  for (let p = 0; p < L.pot.length; p++)
    f.get(POTS)
      .get(L.pot[p])
      .mem('v128.store', p * 16);
}

/** trials(...) on the dense rows: two rows per step, every feature's product added. */
export function trialsFn(trials: number, d: number): FnBuilder {
  const f = new FnBuilder([...PARAMS], null);
  const np = Math.ceil(trials / 2);
  const L = trialLocals(f, np);
  const xo = f.local('i32');
  const xs = [f.local('v128'), f.local('v128')];
  const acc = [0, 1].map(() => Array.from({ length: np }, () => f.local('v128')));
  f.get(X).set(xo);
  const body = (rows: number): void => {
    for (let r = 0; r < rows; r++) for (let p = 0; p < np; p++) f.i64x2(0, 0).set(acc[r][p]);
    columnPairLoop(f, rows, d, np, { xo, centres: CAND, cv: L.cv, xs, acc }, (r, p) => f.get(acc[r][p]).get(xs[r]).get(L.cv).op('f64x2.mul').op('f64x2.add').set(acc[r][p]));
    for (let r = 0; r < rows; r++) rowEpilogue(f, L, trials, acc[r], r);
  };
  rowSteps(f, L, 2, () => body(2), [[xo, 8 * d]]);
  rowSteps(f, L, 1, () => body(1), [[xo, 8 * d]]);
  storePots(f, L);
  return f;
}

/** trials(...) on the rows' non-zero records: one row per step, only its non-zero products added. */
export function trialsSparseFn(trials: number): FnBuilder {
  const f = new FnBuilder([...PARAMS], null);
  const np = Math.ceil(trials / 2);
  const L = trialLocals(f, np);
  const S: SparseLocals = { rec: f.local('i32'), recEnd: f.local('i32'), at: f.local('i32') };
  const xs = f.local('v128');
  const acc = Array.from({ length: np }, () => f.local('v128'));
  rowSteps(f, L, 1, () => {
    for (let p = 0; p < np; p++) f.i64x2(0, 0).set(acc[p]);
    rowRecords(f, S, RECORDS, ROW_START, L.i);
    eachRecord(f, S, () => {
      f.get(S.rec).mem('v128.load64_splat', 8).set(xs);
      f.get(CAND)
        .get(S.rec)
        .mem('i32.load', 0)
        .i32(np * 16)
        .op('i32.mul')
        .op('i32.add')
        .set(S.at);
      for (let p = 0; p < np; p++)
        f.get(acc[p])
          .get(xs)
          .get(S.at)
          .mem('v128.load', p * 16)
          .op('f64x2.mul')
          .op('f64x2.add')
          .set(acc[p]);
    });
    rowEpilogue(f, L, trials, acc, 0);
  });
  storePots(f, L);
  return f;
}

function functions(trials: number, d: number, sparse: boolean): Array<{ name: string; fn: FnBuilder }> {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`row width must be a positive integer, got ${d}`);
  return [{ name: 'trials', fn: sparse ? trialsSparseFn(trials) : trialsFn(trials, d) }];
}

const cache = new Map<string, Uint8Array>();

export function trialsModuleBytes(trials: number, d: number, sparse = false): Uint8Array {
  const key = `${trials}:${d}:${sparse}`;
  let b = cache.get(key);
  if (b === undefined) {
    b = encodeModule(functions(trials, d, sparse));
    cache.set(key, b);
  }
  return b;
}

export function trialsModuleWat(trials: number, d: number, sparse = false): string {
  return moduleWat(withText(() => functions(trials, d, sparse)));
}

/** Byte offsets of the candidate pass's buffers in a memory. */
export interface SeedRegions {
  readonly trials: number;
  readonly cand: number;
  readonly closest: number;
  readonly trial: number;
  readonly pots: number;
  readonly candRows: number;
  readonly norms: number;
  readonly candNorms: number;
}

/** Takes the buffers for n rows of d features and `trials` candidates from `take` (bytes -> 16-byte aligned offset). */
export function seedRegions(take: (bytes: number) => number, n: number, d: number, trials: number): SeedRegions {
  const np = Math.ceil(trials / 2);
  return {
    trials,
    cand: take(d * np * 16),
    closest: take(n * 8),
    trial: take(trials * n * 8),
    pots: take(np * 16),
    candRows: take(trials * d * 8),
    norms: take(n * 8),
    candNorms: take(np * 16),
  };
}

/** Where the rows' non-zero records (sparseRows.ts) are in a seeder's memory, filled. */
export interface SeedRecords {
  readonly records: number;
  readonly rowStart: number;
}

/**
 * The candidate pass over n rows of d features at byte `x` of a wasm memory, with `closest`,
 * `trial`, `candRows`, `candNorms` and `norms` as views on it: kmeansInit.ts fills candRows,
 * candNorms and closest, calls run(pots), and reads trial. With `sparse`, the pass reads the
 * rows' non-zero records there instead of the dense rows.
 */
export class WasmSeeder {
  readonly closest: Float64Array;
  readonly trial: Float64Array;
  readonly candRows: Float64Array;
  readonly candNorms: Float64Array;
  readonly norms: Float64Array;
  private readonly cand: Float64Array;
  private readonly candNormPairs: Float64Array;
  private readonly pots: Float64Array;
  private readonly fn: (...args: number[]) => void;
  private readonly trials: number;
  private readonly records: SeedRecords;

  constructor(
    memory: WasmMemory,
    private readonly x: number,
    private readonly n: number,
    private readonly d: number,
    private readonly at: SeedRegions,
    sparse?: SeedRecords,
  ) {
    const np = Math.ceil(at.trials / 2);
    const buf = memory.buffer;
    this.trials = at.trials;
    this.cand = new Float64Array(buf, at.cand, d * np * 2);
    this.closest = new Float64Array(buf, at.closest, n);
    this.trial = new Float64Array(buf, at.trial, at.trials * n);
    this.pots = new Float64Array(buf, at.pots, np * 2);
    this.candRows = new Float64Array(buf, at.candRows, at.trials * d);
    this.candNormPairs = new Float64Array(buf, at.candNorms, np * 2);
    this.candNorms = new Float64Array(at.trials);
    this.norms = rowSquaredNorms(new Float64Array(buf, x, n * d), n, d, new Float64Array(buf, at.norms, n));
    this.records = sparse ?? { records: 0, rowStart: 0 };
    this.fn = instantiate<{ trials: WasmSeeder['fn'] }>(trialsModuleBytes(at.trials, d, sparse !== undefined), memory).trials;
  }

  /** Whether the pass reads the rows' non-zero records. */
  get sparse(): boolean {
    return this.records.records !== 0;
  }

  /** A seeder with a memory of its own holding a copy of m's rows. Throws RangeError when the memory cannot be had. */
  static own(m: Matrix, trials: number): WasmSeeder {
    const { rows: n, cols: d } = m;
    const { take, pages } = regionLayout();
    const x = take(n * d * 8);
    const at = seedRegions(take, n, d, trials);
    const nonZeros = countNonZeros(m.data, n * d);
    const sparse = nonZeros <= SPARSE_MAX_DENSITY * n * d ? { records: take(nonZeros * RECORD_BYTES), rowStart: take((n + 1) * 4) } : undefined;
    if (pages() > MAX_PAGES - 1) throw new RangeError('k-means++ data exceed a wasm32 memory');
    const memory = sharedMemory(pages());
    new Float64Array(memory.buffer, x, n * d).set(m.data);
    if (sparse !== undefined) fillSparseRows(memory.buffer, sparse.records, sparse.rowStart, m.data, n, d, nonZeros);
    return new WasmSeeder(memory, x, n, d, at, sparse);
  }

  /** The pass for the candidates in candRows; pots[t] += each candidate's potential. */
  run(pots: Float64Array): void {
    const { n, d, trials } = this;
    const np = Math.ceil(trials / 2);
    for (let j = 0; j < d; j++) for (let t = 0; t < 2 * np; t++) this.cand[(j * np + (t >> 1)) * 2 + (t & 1)] = t < trials ? this.candRows[t * d + j] : 0;
    for (let t = 0; t < 2 * np; t++) this.candNormPairs[t] = t < trials ? this.candNorms[t] : 0;
    const { at } = this;
    this.fn(this.x, at.cand, at.closest, n, at.trial, at.pots, at.norms, at.candNorms, this.records.records, this.records.rowStart);
    for (let t = 0; t < trials; t++) pots[t] += this.pots[t];
  }
}
