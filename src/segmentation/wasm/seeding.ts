/**
 * The k-means++ candidate pass (kmeansInit.ts's trial kernel) as WebAssembly SIMD: for every row
 * i and candidate t, trial[t * n + i] = min(closest[i], sum_j (x_j - cand_t_j)^2) and pots[t] =
 * the sum of those over the rows in order.
 *
 * Candidates go two per f64x2 (one per lane), the row's feature splat into both lanes, two rows
 * per loop iteration. Each lane performs the JavaScript kernel's scalar sequence (s = 0, then
 * s += u * u in feature order, `s < ci ? s : ci`, p += v in row order; no fused multiply-add),
 * so the seeding, and hence every fit, is bit-identical whichever kernel runs.
 *
 * Memory: the rows x (n * d) are the Lloyd engine's (engine.ts, a layout with `seedTrials`), so
 * a fit holds one copy of its rows; {@link WasmSeeder.own} copies them into a memory of its own
 * when there is no engine memory. Then cand (d pairs per candidate pair: [j][p]), closest (n),
 * trial (trials * n), pots (2 * pairs) and candRows (trials * d), all float64.
 */
import type { Matrix } from '../matrix';
import { instantiate, PAGE, sharedMemory, type WasmMemory } from './api';
import { encodeModule, FnBuilder, moduleWat } from './encoder';
import { exactDistances } from './common';

/** trials(x, cand, closest, n, trial, pots): the pass described above, for `trials` candidates of d features. */
export function trialsFn(trials: number, d: number): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32'], null);
  const [x, cand, closest, n, trial, pots] = [0, 1, 2, 3, 4, 5];
  const np = Math.ceil(trials / 2);
  const i = f.local('i32');
  const xo = f.local('i32');
  const co = f.local('i32');
  const to = f.local('i32');
  const cv = f.local('v128');
  const u = f.local('v128');
  const v = f.local('v128');
  const xs = [f.local('v128'), f.local('v128')];
  const acc = [0, 1].map(() => Array.from({ length: np }, () => f.local('v128')));
  const pot = Array.from({ length: np }, () => f.local('v128'));
  f.get(x).set(xo);
  f.get(closest).set(co);
  f.get(trial).set(to);
  for (let p = 0; p < np; p++) f.i64x2(0, 0).set(pot[p]);
  const body = (rows: number): void => {
    exactDistances(f, rows, d, np, { xo, centres: cand, cv, tmp: u, xs, acc });
    for (let r = 0; r < rows; r++) {
      f.get(co)
        .mem('v128.load64_splat', r * 8)
        .set(cv);
      for (let p = 0; p < np; p++) {
        // v = s < ci ? s : ci, lane-wise
        f.get(acc[r][p]).get(cv).get(acc[r][p]).get(cv).op('f64x2.lt').op('v128.bitselect').set(v);
        f.get(pot[p]).get(v).op('f64x2.add').set(pot[p]);
        for (let lane = 0; lane < 2 && 2 * p + lane < trials; lane++) {
          // trial[t * n + i]: to + t * n * 8 + r * 8
          f.get(to)
            .get(n)
            .i32((2 * p + lane) * 8)
            .op('i32.mul')
            .op('i32.add')
            .get(v)
            .lane('f64x2.extract_lane', lane)
            .mem('f64.store', r * 8);
        }
      }
    }
  };
  const step = (rows: number): void => {
    f.block().loop();
    f.get(i)
      .i32(rows - 1)
      .op('i32.add')
      .get(n)
      .op('i32.ge_s')
      .brIf(1);
    body(rows);
    for (const [p, bytes] of [
      [xo, 8 * d],
      [co, 8],
      [to, 8],
      [i, 1],
    ])
      f.get(p)
        .i32(rows * bytes)
        .op('i32.add')
        .set(p);
    f.br(0).op('end').op('end');
  };
  step(2);
  step(1);
  for (let p = 0; p < np; p++)
    f.get(pots)
      .get(pot[p])
      .mem('v128.store', p * 16);
  return f;
}

const cache = new Map<string, Uint8Array>();

export function trialsModuleBytes(trials: number, d: number): Uint8Array {
  const key = `${trials}:${d}`;
  let b = cache.get(key);
  if (b === undefined) {
    b = encodeModule([{ name: 'trials', fn: trialsFn(trials, d) }]);
    cache.set(key, b);
  }
  return b;
}

export function trialsModuleWat(trials: number, d: number): string {
  return moduleWat([{ name: 'trials', fn: trialsFn(trials, d) }]);
}

/** Byte offsets of the candidate pass's buffers in a memory. */
export interface SeedRegions {
  readonly trials: number;
  readonly cand: number;
  readonly closest: number;
  readonly trial: number;
  readonly pots: number;
  readonly candRows: number;
}

/** Takes the buffers for n rows of d features and `trials` candidates from `take` (bytes -> 16-byte aligned offset). */
export function seedRegions(take: (bytes: number) => number, n: number, d: number, trials: number): SeedRegions {
  const np = Math.ceil(trials / 2);
  return { trials, cand: take(d * np * 16), closest: take(n * 8), trial: take(trials * n * 8), pots: take(np * 16), candRows: take(trials * d * 8) };
}

/**
 * The candidate pass over n rows of d features at byte `x` of a wasm memory, with `closest`,
 * `trial` and `candRows` as views on it: kmeansInit.ts fills candRows and closest, calls
 * run(pots), and reads trial.
 */
export class WasmSeeder {
  readonly closest: Float64Array;
  readonly trial: Float64Array;
  readonly candRows: Float64Array;
  private readonly cand: Float64Array;
  private readonly pots: Float64Array;
  private readonly fn: (x: number, cand: number, closest: number, n: number, trial: number, pots: number) => void;
  private readonly trials: number;

  constructor(
    memory: WasmMemory,
    private readonly x: number,
    private readonly n: number,
    private readonly d: number,
    private readonly at: SeedRegions,
  ) {
    const np = Math.ceil(at.trials / 2);
    const buf = memory.buffer;
    this.trials = at.trials;
    this.cand = new Float64Array(buf, at.cand, d * np * 2);
    this.closest = new Float64Array(buf, at.closest, n);
    this.trial = new Float64Array(buf, at.trial, at.trials * n);
    this.pots = new Float64Array(buf, at.pots, np * 2);
    this.candRows = new Float64Array(buf, at.candRows, at.trials * d);
    this.fn = instantiate<{ trials: WasmSeeder['fn'] }>(trialsModuleBytes(at.trials, d), memory).trials;
  }

  /** A seeder with a memory of its own holding a copy of m's rows. Throws RangeError when the memory cannot be had. */
  static own(m: Matrix, trials: number): WasmSeeder {
    const { rows: n, cols: d } = m;
    let top = 0;
    const take = (bytes: number): number => {
      const p = top;
      top = Math.ceil((top + bytes) / 16) * 16;
      return p;
    };
    const x = take(n * d * 8);
    const at = seedRegions(take, n, d, trials);
    const pages = Math.max(1, Math.ceil(top / PAGE));
    if (pages > 65535) throw new RangeError('k-means++ data exceed a wasm32 memory');
    const memory = sharedMemory(pages);
    new Float64Array(memory.buffer, x, n * d).set(m.data);
    return new WasmSeeder(memory, x, n, d, at);
  }

  /** The pass for the candidates in candRows; pots[t] += each candidate's potential. */
  run(pots: Float64Array): void {
    const { n, d, trials } = this;
    const np = Math.ceil(trials / 2);
    for (let j = 0; j < d; j++) for (let t = 0; t < 2 * np; t++) this.cand[(j * np + (t >> 1)) * 2 + (t & 1)] = t < trials ? this.candRows[t * d + j] : 0;
    this.fn(this.x, this.at.cand, this.at.closest, n, this.at.trial, this.at.pots);
    for (let t = 0; t < trials; t++) pots[t] += this.pots[t];
  }
}
