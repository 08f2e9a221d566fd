/**
 * Hamerly-style distance bounds for lloyd32.ts: per row an upper bound ub on the distance to its
 * assigned centre and a lower bound lb on the distance to every other centre, carried from one
 * assignment to the next by the centres' moves (ub += move of its centre, lb -= largest move;
 * the triangle inequality). A group of rows skips the distance computation when every row has
 * 0.5 (lb^2 - ub^2) > T (+ a relative 2^-50 lb^2 for the rounding of that test): then, for every
 * other centre c, the exact score difference S_c - S_a = 0.5 (D_c^2 - D_a^2) exceeds T, far more
 * than the float64 kernel's rounding, so the float64 kernel would keep the same label. Skipped
 * rows are still added to the sums in row order, so sums, counts and labels stay bit-identical.
 *
 * After a computed row (float32 screening accepted: minimum m, second smallest s2, both within
 * T/4 of the exact scores), D^2 = ||x||^2 + 2 S gives ub = sqrt(||x||^2 + 2m + T) and lb =
 * sqrt(||x||^2 + 2 s2 - T), widened by 2^-40 for their own rounding; rows sent to the float64
 * recomputation get ub = +inf, lb = 0 (computed again next time). All bound arithmetic rounds
 * outward by a factor 1 +- 2^-50 per step.
 *
 * Memory (addresses in the header, lloyd32.ts): ub, lb and nsq (||x||^2, float64) per row; dl:
 * k moves (rounded up; +inf after the centres were replaced by anything but a Lloyd step) then
 * the largest move.
 */
import type { FnBuilder } from './encoder';

const UP = 1 + 2 ** -50;
const DOWN = 1 - 2 ** -50;
const WIDE_UP = 1 + 2 ** -40;
const WIDE_DOWN = 1 - 2 ** -40;

/** Pointers to one row's label, ub, lb, ||x||^2 and (float32) ||x||. */
export interface RowPtrs {
  readonly lp: number;
  readonly ubp: number;
  readonly lbp: number;
  readonly nsqp: number;
  readonly np: number;
}

export interface BoundLocals {
  readonly dl: number;
  readonly alpha: number;
  readonly beta: number;
  readonly a: number;
  readonly u: number;
  readonly l: number;
  readonly tr: number;
  readonly skip: number;
}

/** tr = T of the row at P (float32 alpha + beta * ||x||, as the screening), as float64. */
export function rowThreshold(f: FnBuilder, B: BoundLocals, P: RowPtrs): void {
  f.get(B.alpha).get(B.beta).get(P.np).mem('f32.load', 0).op('f32.mul').op('f32.add').op('f64.promote_f32').set(B.tr);
}

/**
 * For the row at P: moves its bounds by the centres' moves, stores them, and ands into `skip` whether
 * the row may keep its label without computing (label >= 0 and the test above).
 */
export function boundCheck(f: FnBuilder, B: BoundLocals, P: RowPtrs, k: number): void {
  f.get(P.lp).mem('i32.load', 0).set(B.a);
  // a label of -1 (first step) reads move 0; the row is computed anyway
  f.get(B.dl).get(B.a).i32(0).get(B.a).i32(0).op('i32.ge_s').op('select').i32(8).op('i32.mul').op('i32.add').mem('f64.load', 0);
  f.get(P.ubp).mem('f64.load', 0).op('f64.add').f64(UP).op('f64.mul').set(B.u);
  f.get(P.lbp)
    .mem('f64.load', 0)
    .get(B.dl)
    .mem('f64.load', k * 8)
    .op('f64.sub')
    .f64(DOWN)
    .op('f64.mul')
    .set(B.l);
  f.get(P.ubp).get(B.u).mem('f64.store', 0);
  f.get(P.lbp).get(B.l).mem('f64.store', 0);
  rowThreshold(f, B, P);
  // skip &= a >= 0 & l > u & 0.5 (l - u)(l + u) > tr + 2^-50 l^2
  f.get(B.skip).get(B.a).i32(0).op('i32.ge_s').op('i32.and');
  f.get(B.l).get(B.u).op('f64.gt').op('i32.and');
  f.get(B.l).get(B.u).op('f64.sub').get(B.l).get(B.u).op('f64.add').op('f64.mul').f64(0.5).op('f64.mul');
  f.get(B.tr)
    .get(B.l)
    .get(B.l)
    .op('f64.mul')
    .f64(2 ** -50)
    .op('f64.mul')
    .op('f64.add')
    .op('f64.gt')
    .op('i32.and')
    .set(B.skip);
}

/**
 * After the row at P was computed and accepted by the screening: `m` holds the minimum score in every
 * lane, `second` the second smallest in every lane (float32); writes ub and lb.
 */
export function boundRefresh(f: FnBuilder, B: BoundLocals, P: RowPtrs, m: number, second: number): void {
  rowThreshold(f, B, P);
  storeBound(f, B, P, P.ubp, m, 'f64.add', WIDE_UP);
  storeBound(f, B, P, P.lbp, second, 'f64.sub', WIDE_DOWN);
}

/**
 * *at = sqrt(max(0, ||x||^2 * widen + 2 score +- T)) * widen, `score` lane 0 of a float32 vector:
 * ub from the minimum (+T, widened up), lb from the second smallest (-T, widened down).
 */
function storeBound(f: FnBuilder, B: BoundLocals, P: RowPtrs, at: number, score: number, withT: 'f64.add' | 'f64.sub', widen: number): void {
  f.get(at);
  f.get(P.nsqp)
    .mem('f64.load', 0)
    .f64(widen)
    .op('f64.mul')
    .get(score)
    .lane('f32x4.extract_lane', 0)
    .op('f64.promote_f32')
    .f64(2)
    .op('f64.mul')
    .op('f64.add')
    .get(B.tr)
    .op(withT)
    .f64(0)
    .op('f64.max')
    .op('f64.sqrt')
    .f64(widen)
    .op('f64.mul')
    .mem('f64.store', 0);
}

/** The row at P went to the float64 recomputation: ub = +inf, lb = 0 (no skip next time). */
export function boundReset(f: FnBuilder, P: RowPtrs): void {
  f.get(P.ubp).f64(Infinity).mem('f64.store', 0);
  f.get(P.lbp).f64(0).mem('f64.store', 0);
}

/**
 * The moves of the centres from `prev` (undefined: unknown, +inf) to `next`, rounded up, and
 * their maximum, into dl (k + 1 values).
 */
export function centreMoves(prev: Float64Array | undefined, next: Float64Array, k: number, d: number, dl: Float64Array): void {
  let max = 0;
  for (let c = 0; c < k; c++) {
    let v = Infinity;
    if (prev !== undefined) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = next[c * d + j] - prev[c * d + j];
        s += t * t;
      }
      v = Math.sqrt(s) * WIDE_UP;
    }
    dl[c] = v;
    max = Math.max(max, v);
  }
  dl[k] = max;
}
