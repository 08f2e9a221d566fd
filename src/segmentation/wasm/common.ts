/** Building blocks shared by the generated kernels (kernels.ts, lloyd32.ts, seeding.ts). */
import type { FnBuilder } from './encoder';

export interface KernelShape {
  readonly k: number;
  readonly d: number;
}

/** Number of centroid pairs (lanes of two). */
export function pairsOf(k: number): number {
  return Math.ceil(k / 2);
}

export interface ArgminLocals {
  cur: number;
  ci: number;
  msk: number;
  v0: number;
  v1: number;
  i0: number;
  i1: number;
  pick: number;
}

export function argminLocals(f: FnBuilder): ArgminLocals {
  return {
    cur: f.local('v128'),
    ci: f.local('v128'),
    msk: f.local('v128'),
    v0: f.local('f64'),
    v1: f.local('f64'),
    i0: f.local('i32'),
    i1: f.local('i32'),
    pick: f.local('i32'),
  };
}

/** Leaves nothing on the stack; sets `best` (i32 local) and, if given, `bv` (f64 local). */
export function argmin(f: FnBuilder, L: ArgminLocals, acc: number[], best: number, bv?: number): void {
  f.get(acc[0]).set(L.cur).i64x2(0, 1).set(L.ci);
  for (let p = 1; p < acc.length; p++) {
    f.get(acc[p]).get(L.cur).op('f64x2.lt').set(L.msk);
    f.get(acc[p]).get(L.cur).get(L.msk).op('v128.bitselect').set(L.cur);
    f.i64x2(2 * p, 2 * p + 1)
      .get(L.ci)
      .get(L.msk)
      .op('v128.bitselect')
      .set(L.ci);
  }
  f.get(L.cur).lane('f64x2.extract_lane', 0).set(L.v0);
  f.get(L.cur).lane('f64x2.extract_lane', 1).set(L.v1);
  f.get(L.ci).lane('i64x2.extract_lane', 0).op('i32.wrap_i64').set(L.i0);
  f.get(L.ci).lane('i64x2.extract_lane', 1).op('i32.wrap_i64').set(L.i1);
  // pick lane 1 = v1 < v0 | (v1 == v0 & i1 < i0)
  f.get(L.v1).get(L.v0).op('f64.lt');
  f.get(L.v1).get(L.v0).op('f64.eq').get(L.i1).get(L.i0).op('i32.lt_s').op('i32.and');
  f.op('i32.or').set(L.pick);
  f.get(L.i1).get(L.i0).get(L.pick).op('select').set(best);
  if (bv !== undefined) f.get(L.v1).get(L.v0).get(L.pick).op('select').set(bv);
}

/** Locals and params used by {@link storeLabelAndAdd}. */
export interface RowSink {
  readonly lp: number;
  readonly best: number;
  readonly changed: number;
  readonly sums: number;
  readonly counts: number;
  readonly so: number;
  readonly xo: number;
}

/**
 * Row r of the group (float64 row at xo + r*d*8, label at lp + r*4) gets label `best`: counts a
 * changed label, stores it, adds the row to sums[best] (f64x2 pairs, odd last feature alone) and
 * 1 to counts[best]: the same additions, in the same order, as the JavaScript kernel.
 */
export function storeLabelAndAdd(f: FnBuilder, d: number, s: RowSink, r: number): void {
  f.get(s.changed)
    .get(s.lp)
    .mem('i32.load', r * 4)
    .get(s.best)
    .op('i32.ne')
    .op('i32.add')
    .set(s.changed);
  f.get(s.lp)
    .get(s.best)
    .mem('i32.store', r * 4);
  f.get(s.sums)
    .get(s.best)
    .i32(d * 8)
    .op('i32.mul')
    .op('i32.add')
    .set(s.so);
  const xr = r * d * 8;
  for (let j = 0; j + 1 < d; j += 2) {
    f.get(s.so)
      .get(s.so)
      .mem('v128.load', j * 8)
      .get(s.xo)
      .mem('v128.load', xr + j * 8)
      .op('f64x2.add')
      .mem('v128.store', j * 8);
  }
  if (d % 2 === 1)
    f.get(s.so)
      .get(s.so)
      .mem('f64.load', (d - 1) * 8)
      .get(s.xo)
      .mem('f64.load', xr + (d - 1) * 8)
      .op('f64.add')
      .mem('f64.store', (d - 1) * 8);
  f.get(s.counts).get(s.best).i32(8).op('i32.mul').op('i32.add').set(s.so);
  f.get(s.so).get(s.so).mem('f64.load', 0).f64(1).op('f64.add').mem('f64.store', 0);
}

/** Locals of {@link columnPairLoop}: row pointer, a centre-pair scratch, one splat per row, the accumulators [row][pair]. */
export interface ColumnPairLocals {
  readonly xo: number;
  readonly centres: number;
  readonly cv: number;
  readonly xs: readonly number[];
  readonly acc: readonly (readonly number[])[];
}

/**
 * The loop that every row-by-centre kernel here shares, unrolled over the d input columns: per
 * column, each of `rows` consecutive rows (from pointer `xo`, d float64 each) splat into xs[r],
 * then each centre pair at pointer `centres` (np pairs per column) loaded once into `cv` and
 * `term(r, p)` emitted for every row, which folds xs[r] and cv into acc[r][p]. Terms are added
 * in column order.
 */
export function columnPairLoop(f: FnBuilder, rows: number, d: number, np: number, at: ColumnPairLocals, term: (r: number, p: number) => void): void {
  for (let j = 0; j < d; j++) {
    for (let r = 0; r < rows; r++)
      f.get(at.xo)
        .mem('v128.load64_splat', (r * d + j) * 8)
        .set(at.xs[r]);
    for (let p = 0; p < np; p++) {
      f.get(at.centres)
        .mem('v128.load', (j * np + p) * 16)
        .set(at.cv);
      for (let r = 0; r < rows; r++) term(r, p);
    }
  }
}

/**
 * Emits the exact squared distances of `rows` consecutive rows to the centre pairs
 * ({@link columnPairLoop}): acc[r][p] = sum_j (x[r][j] - c[j][p])^2 in each f64x2 lane, in
 * column order. `tmp` is a v128 scratch local.
 */
export function exactDistances(f: FnBuilder, rows: number, d: number, np: number, at: ColumnPairLocals & { tmp: number }): void {
  const { cv, tmp, xs, acc } = at;
  for (let r = 0; r < rows; r++) for (let p = 0; p < np; p++) f.i64x2(0, 0).set(acc[r][p]);
  columnPairLoop(f, rows, d, np, at, (r, p) => f.get(acc[r][p]).get(xs[r]).get(cv).op('f64x2.sub').tee(tmp).get(tmp).op('f64x2.mul').op('f64x2.add').set(acc[r][p]));
}
