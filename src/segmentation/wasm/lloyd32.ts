/**
 * The Lloyd assignment with a float32 screening pass (f32x4: four centroids per vector, twice
 * the lanes of f64x2) that yields exactly the labels of the float64 kernel (kernels.ts).
 *
 * Each row's scores h_c - x.c are computed in float32 from float32 copies of the row, the
 * centroids and the half norms. Their distance to the float64 kernel's scores is bounded (see
 * {@link screenThreshold}) by e = (d + 4) 2^-24 (1.001) (max_c h_c + ||x|| max_c ||c||) plus a
 * tiny absolute term for underflow. A row's float32 minimum m is accepted only when exactly one
 * centroid scores below m + T with T >= 4e: then every other centroid's float64 score is
 * strictly larger than the winner's, so the float64 kernel picks the same centroid. Otherwise
 * (a near-tie, or anything non-finite) the row is recomputed by the float64 sequence itself
 * (`exactRow`). Labels, and hence the float64 sums and counts added in row order, are
 * therefore bit-identical to the float64 kernel and to the JavaScript kernel.
 *
 * The float32 pass runs only when every |x| <= 2^50 (engine.ts checks once per matrix): then
 * centroids (means of rows) stay below it too, products and sums cannot overflow float32, and
 * underflow costs at most (d + 4) 2^-98 in absolute terms, covered by the threshold's
 * absolute term. Rows are processed R at a time so each centroid quad is loaded once for R rows.
 * Wide shapes get the same screening with distance bounds instead (lloyd32Bounds.ts).
 *
 * Memory: a header at address 0 (HEADER_BYTES) holds the float32 switch and the addresses of
 * x32 (the rows as float32), nx (each row's Euclidean norm, rounded up, float32) and cf (per
 * feature j, Q quads of float32 centroid values; then Q quads of half norms; then alpha, beta:
 * T = alpha + beta * ||x||). The exported `lloyd` reads the switch and runs the float32 or the
 * float64 kernel with the same arguments.
 */
import { FnBuilder } from './encoder';
import { argmin, argminLocals, pairsOf, storeLabelAndAdd, type KernelShape } from './common';

/** Header layout (byte offsets from address 0). */
export const HEADER = { on: 0, x32: 4, nx: 8, cf: 12, fallbacks: 16, ub: 20, lb: 24, nsq: 28, dl: 32, skips: 36, todo: 40, records: 44, rowStart: 48 } as const;
export const HEADER_BYTES = 64;

/** Number of float32 centroid quads (lanes of four). */
export function quadsOf(k: number): number {
  return Math.ceil(k / 4);
}

/** Largest |x| for which the float32 pass is used (see the header comment). */
export const F32_MAX_ABS = 2 ** 50;

/**
 * The float32 acceptance threshold T = alpha + beta * ||x|| for the current centroids, with
 * 2x margin over the 2e the proof needs (so the float32 evaluation of T and m + T, a few ulps,
 * cannot matter); rounded up to float32.
 */
export function screenThreshold(d: number, maxHalfNorm: number, maxNorm: number): { alpha: number; beta: number } {
  const g = (d + 4) * 2 ** -22;
  const up = (v: number): number => Math.fround(v * (1 + 2 ** -20));
  return { alpha: up(g * maxHalfNorm + (d + 4) * 2 ** -80), beta: up(g * maxNorm) };
}

/**
 * exactRow(xo, cl) -> label: the float64 kernel's score sequence ((h_c - x_0 c_0) - x_1 c_1)...
 * and argmin (lowest index among the minima) for the one row at xo.
 */
export function exactRowFn({ k, d }: KernelShape): FnBuilder {
  const f = new FnBuilder(['i32', 'i32'], 'i32');
  const [xo, cl] = [0, 1];
  const np = pairsOf(k);
  const best = f.local('i32');
  const cv = f.local('v128');
  const xs = f.local('v128');
  const acc = Array.from({ length: np }, () => f.local('v128'));
  const L = argminLocals(f);
  for (let p = 0; p < np; p++)
    f.get(cl)
      .mem('v128.load', (d * np + p) * 16)
      .set(acc[p]);
  for (let j = 0; j < d; j++) {
    f.get(xo)
      .mem('v128.load64_splat', j * 8)
      .set(xs);
    for (let p = 0; p < np; p++) {
      f.get(cl)
        .mem('v128.load', (j * np + p) * 16)
        .set(cv);
      f.get(acc[p]).get(xs).get(cv).op('f64x2.mul').op('f64x2.sub').set(acc[p]);
    }
  }
  argmin(f, L, acc, best);
  f.get(best);
  return f;
}

/** Rows per group: as many as keep the accumulators (R * Q vectors) in registers. */
export function rowsPerGroup(k: number): number {
  const q = quadsOf(k);
  return q <= 2 ? 4 : q <= 4 ? 2 : 1;
}

/** Horizontal float32 minimum: every lane of `v` becomes the minimum of its four lanes. */
export function hmin(f: FnBuilder, v: number, t: number): void {
  const swap = (a: number[]): number[] => a.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]);
  f.get(v)
    .get(v)
    .shuffle(swap([2, 3, 0, 1]))
    .set(t);
  f.get(v).get(t).op('f32x4.pmin').set(v);
  f.get(v)
    .get(v)
    .shuffle(swap([1, 0, 3, 2]))
    .set(t);
  f.get(v).get(t).op('f32x4.pmin').set(v);
}

/** The locals of the float32 screen over a group of rows (see {@link screenDistances} and {@link screenRow}). */
export interface ScreenLocals {
  /** Pointer to the centre block: Q quads per input column, then the bias quads, then alpha and beta. */
  readonly cf: number;
  readonly alpha: number;
  readonly beta: number;
  readonly cv: number;
  readonly m: number;
  readonly t: number;
  readonly bits: number;
  /** Per row of the group: its splatted x value, and its Q accumulators. */
  readonly xs: readonly number[];
  readonly acc: readonly (readonly number[])[];
}

/** Declares the screening's own locals for groups of R rows against Q centroid quads (`cf` and `bits` are the caller's). */
export function screenLocals(f: FnBuilder, R: number, Q: number, cf: number, bits: number): ScreenLocals {
  const alpha = f.local('f32');
  const beta = f.local('f32');
  const cv = f.local('v128');
  const m = f.local('v128');
  const t = f.local('v128');
  const xs = Array.from({ length: R }, () => f.local('v128'));
  const acc = Array.from({ length: R }, () => Array.from({ length: Q }, () => f.local('v128')));
  return { cf, alpha, beta, cv, m, t, bits, xs, acc };
}

/** Sets each local to the address the header holds at its offset (HEADER). */
export function loadHeader(f: FnBuilder, entries: ReadonlyArray<readonly [local: number, offset: number]>): void {
  for (const [local, offset] of entries) f.i32(0).mem('i32.load', offset).set(local);
}

/** Emits the loads of the screening threshold's alpha and beta, stored after the centre block at `cf` (set by then). */
export function loadScreenThreshold(f: FnBuilder, s: Pick<ScreenLocals, 'cf' | 'alpha' | 'beta'>, d: number, Q: number): void {
  f.get(s.cf)
    .mem('f32.load', (d + 1) * Q * 16)
    .set(s.alpha);
  f.get(s.cf)
    .mem('f32.load', (d + 1) * Q * 16 + 4)
    .set(s.beta);
}

/** Where a row's value lives: a pointer local and a byte offset added to it. */
export type RowAt = (r: number) => readonly [pointer: number, offset: number];

/**
 * Emits the screened float32 distances of `rows` rows to every centre, four centres a lane:
 * acc[r][q] = bias[q] - sum_j x[r][j] * c[j][q], each centre quad loaded once per column for
 * all the rows of the group. `x32(r)` is where row r's float32 values start.
 */
export function screenDistances(f: FnBuilder, L: ScreenLocals, rows: number, d: number, Q: number, x32: RowAt): void {
  for (let r = 0; r < rows; r++)
    for (let q = 0; q < Q; q++)
      f.get(L.cf)
        .mem('v128.load', (d * Q + q) * 16)
        .set(L.acc[r][q]);
  for (let j = 0; j < d; j++) {
    for (let r = 0; r < rows; r++) {
      const [ptr, offset] = x32(r);
      f.get(ptr)
        .mem('v128.load32_splat', offset + j * 4)
        .set(L.xs[r]);
    }
    for (let q = 0; q < Q; q++) {
      f.get(L.cf)
        .mem('v128.load', (j * Q + q) * 16)
        .set(L.cv);
      for (let r = 0; r < rows; r++) f.get(L.acc[r][q]).get(L.xs[r]).get(L.cv).op('f32x4.mul').op('f32x4.sub').set(L.acc[r][q]);
    }
  }
}

/**
 * For row r of the group: m = its smallest screened distance in every lane, `bits` = the
 * centres below m + (alpha + beta * ||x||) (`norm(r)` is where its float32 norm lives), and on
 * the stack whether exactly one centre is: the float32 winner is then certain.
 */
export function screenRow(f: FnBuilder, L: ScreenLocals, r: number, Q: number, norm: RowAt): void {
  f.get(L.acc[r][0]).set(L.m);
  for (let q = 1; q < Q; q++) f.get(L.m).get(L.acc[r][q]).op('f32x4.pmin').set(L.m);
  hmin(f, L.m, L.t);
  const [ptr, offset] = norm(r);
  // threshold: m + (alpha + beta * ||x||) in every lane
  f.get(L.m).get(L.alpha).get(L.beta).get(ptr).mem('f32.load', offset).op('f32.mul').op('f32.add').op('f32x4.splat').op('f32x4.add').set(L.t);
  for (let q = 0; q < Q; q++) {
    f.get(L.acc[r][q]).get(L.t).op('f32x4.lt').op('i32x4.bitmask');
    if (q > 0)
      f.i32(4 * q)
        .op('i32.shl')
        .get(L.bits)
        .op('i32.or');
    f.set(L.bits);
  }
  f.get(L.bits).op('i32.popcnt').i32(1).op('i32.eq');
}

/**
 * lloyd32(x, cl, labels, start, end, sums, counts) -> changed: the float64 kernel's contract
 * (kernels.ts lloydFn), labels screened in float32 as described above; `exactIndex` is the
 * module index of exactRow.
 */
export function lloyd32Fn({ k, d }: KernelShape, exactIndex: number): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], 'i32');
  const [x, cl, lab, start, end, sums, counts] = [0, 1, 2, 3, 4, 5, 6];
  const Q = quadsOf(k);
  const R = rowsPerGroup(k);
  const i = f.local('i32');
  const xo = f.local('i32');
  const x32 = f.local('i32');
  const np = f.local('i32');
  const cf = f.local('i32');
  const lp = f.local('i32');
  const changed = f.local('i32');
  const best = f.local('i32');
  const so = f.local('i32');
  const bits = f.local('i32');
  const screen = screenLocals(f, R, Q, cf, bits);
  // pointers: x64 row, x32 row, norm, label
  f.get(start).set(i);
  f.get(x)
    .get(start)
    .i32(d * 8)
    .op('i32.mul')
    .op('i32.add')
    .set(xo);
  f.i32(0)
    .mem('i32.load', HEADER.x32)
    .get(start)
    .i32(d * 4)
    .op('i32.mul')
    .op('i32.add')
    .set(x32);
  f.i32(0).mem('i32.load', HEADER.nx).get(start).i32(4).op('i32.mul').op('i32.add').set(np);
  f.i32(0).mem('i32.load', HEADER.cf).set(cf);
  f.get(lab).get(start).i32(4).op('i32.mul').op('i32.add').set(lp);
  loadScreenThreshold(f, screen, d, Q);
  const sink = { lp, best, changed, sums, counts, so, xo };
  const body = (rows: number): void => {
    // the group's rows are consecutive: row r of it at r * d floats (and norm r) from the pointers
    screenDistances(f, screen, rows, d, Q, (r) => [x32, r * d * 4]);
    for (let r = 0; r < rows; r++) {
      screenRow(f, screen, r, Q, (row) => [np, row * 4]);
      f.ifResult('i32');
      f.get(bits).op('i32.ctz');
      f.elseBranch();
      // counted for benchmarks only (threads may race on it; results never read it)
      f.i32(0).i32(0).mem('i32.load', HEADER.fallbacks).i32(1).op('i32.add').mem('i32.store', HEADER.fallbacks);
      f.get(xo)
        .i32(r * d * 8)
        .op('i32.add')
        .get(cl)
        .call(exactIndex);
      f.op('end').set(best);
      storeLabelAndAdd(f, d, sink, r);
    }
  };
  const step = (rows: number): void => {
    f.block().loop();
    f.get(i)
      .i32(rows - 1)
      .op('i32.add')
      .get(end)
      .op('i32.ge_s')
      .brIf(1);
    body(rows);
    for (const [p, bytes] of [
      [xo, 8 * d],
      [x32, 4 * d],
      [np, 4],
      [lp, 4],
      [i, 1],
    ])
      f.get(p)
        .i32(rows * bytes)
        .op('i32.add')
        .set(p);
    f.br(0).op('end').op('end');
  };
  step(R);
  if (R > 1) step(1);
  f.get(changed);
  return f;
}

/**
 * lloyd(x, cl, labels, start, end, sums, counts): the exported entry; runs lloyd32 when the
 * header's switch is on, else the float64 kernel (module indices given).
 */
export function lloydDispatchFn(f32Index: number, f64Index: number): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], 'i32');
  const args = (): void => {
    for (let a = 0; a < 7; a++) f.get(a);
  };
  f.i32(0).mem('i32.load', HEADER.on).ifResult('i32');
  args();
  f.call(f32Index).elseBranch();
  args();
  f.call(f64Index).op('end');
  return f;
}
