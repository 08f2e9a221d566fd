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
 * Memory (one per fit, not shared with the Lloyd engine; the rows are copied once per fit):
 * x (n * d), cand (d pairs per candidate pair: [j][p]), closest (n), trial (trials * n),
 * pots (2 * pairs), all float64.
 */
import type { Matrix } from '../matrix';
import { encodeModule, FnBuilder, moduleWat } from './encoder';
import { exactDistances } from './common';

const PAGE = 65536;

interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => { buffer: ArrayBuffer | SharedArrayBuffer };
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

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

/**
 * The rows of one fit in a wasm memory, with `closest`, `trial` and `candRows` as views on it:
 * kmeansInit.ts fills candRows and closest, calls run(pots), and reads trial.
 */
export class WasmSeeder {
  readonly closest: Float64Array;
  readonly trial: Float64Array;
  readonly candRows: Float64Array;
  private readonly cand: Float64Array;
  private readonly pots: Float64Array;
  private readonly fn: (x: number, cand: number, closest: number, n: number, trial: number, pots: number) => void;
  private readonly at: { cand: number; closest: number; trial: number; pots: number };
  private readonly n: number;
  private readonly d: number;
  private readonly x: number;

  /** Throws RangeError when the memory cannot be had. */
  constructor(
    m: Matrix,
    private readonly trials: number,
  ) {
    const { rows: n, cols: d } = m;
    const np = Math.ceil(trials / 2);
    let top = 0;
    const take = (bytes: number): number => {
      const p = top;
      top = Math.ceil((top + bytes) / 16) * 16;
      return p;
    };
    const x = take(n * d * 8);
    this.at = { cand: take(d * np * 16), closest: take(n * 8), trial: take(trials * n * 8), pots: take(np * 16) };
    const cr = take(trials * d * 8);
    const pages = Math.max(1, Math.ceil(top / PAGE));
    if (pages > 65535) throw new RangeError('k-means++ data exceed a wasm32 memory');
    const api = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
    const memory = new api.Memory({ initial: pages, maximum: pages, shared: true });
    const buf = memory.buffer;
    new Float64Array(buf, x, n * d).set(m.data);
    this.cand = new Float64Array(buf, this.at.cand, d * np * 2);
    this.closest = new Float64Array(buf, this.at.closest, n);
    this.trial = new Float64Array(buf, this.at.trial, trials * n);
    this.pots = new Float64Array(buf, this.at.pots, np * 2);
    this.candRows = new Float64Array(buf, cr, trials * d);
    const exports = new api.Instance(new api.Module(trialsModuleBytes(trials, d)), { env: { memory } }).exports as { trials: WasmSeeder['fn'] };
    this.fn = exports.trials;
    this.n = n;
    this.d = d;
    this.x = x;
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
