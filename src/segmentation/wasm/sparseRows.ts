/**
 * The rows' non-zero values, for the wide-shape Lloyd kernel (lloyd32Bounds.ts) on matrices that
 * are mostly zeros: engineered customer tables are, since every categorical becomes one 0/1 dummy
 * per kept value and a row has one of them set (the wide bench's 10,000 x 264: 26% non-zero).
 * With them the kernel's two passes over rows touch only the non-zeros:
 *  - the float32 screening sums x_j c_j over the row's non-zeros. The screening's error bound
 *    (lloyd32.ts screenThreshold: (d + 4) 2^-24 times the sum of |terms|) holds for any order of
 *    summation, so the non-zeros are summed in two interleaved chains (twice the throughput of one
 *    dependent chain); the labels stay exactly the float64 kernel's, as with the dense screening;
 *  - the float64 sums add the row's non-zeros to its cluster's sums, in feature order. A skipped
 *    zero would have added +-0 to a sum that starts at +0 and therefore never is -0 (x + -x is +0
 *    when rounding to nearest), which leaves it unchanged: the sums are the dense kernel's bit for bit.
 *
 * Memory: `rowStart` (n + 1 int32: row i's records are [rowStart[i], rowStart[i + 1])) and 16-byte
 * records in row order, features ascending: int32 feature j, float32 value, float64 value.
 */
import type { FnBuilder } from './encoder';
import type { ScreenLocals } from './lloyd32';

/** Bytes of one non-zero's record. */
export const RECORD_BYTES = 16;

/** The largest share of non-zeros for which the sparse passes run (above it the dense unrolled passes are as fast; measured in bench/README.md). */
export const SPARSE_MAX_DENSITY = 0.5;

/** The non-zero values among the first n * d of x (-0 counts as zero). */
export function countNonZeros(x: Float64Array, count: number): number {
  let nnz = 0;
  for (let t = 0; t < count; t++) if (x[t] !== 0) nnz++;
  return nnz;
}

/** Writes the records and row starts of the n x d rows of x (see the header for the layout). */
export function fillSparseRows(buf: ArrayBuffer | SharedArrayBuffer, records: number, rowStart: number, x: Float64Array, n: number, d: number, nnz: number): void {
  const starts = new Int32Array(buf, rowStart, n + 1);
  const feature = new Int32Array(buf, records, nnz * 4);
  const v32 = new Float32Array(buf, records, nnz * 4);
  const v64 = new Float64Array(buf, records, nnz * 2);
  let r = 0;
  for (let i = 0; i < n; i++) {
    starts[i] = r;
    for (let j = 0; j < d; j++) {
      const v = x[i * d + j];
      if (v === 0) continue;
      feature[r * 4] = j;
      v32[r * 4 + 1] = v;
      v64[r * 2 + 1] = v;
      r++;
    }
  }
  starts[n] = r;
}

/** Locals of the sparse passes: the record pointer and its end, a scratch address. */
export interface SparseLocals {
  readonly rec: number;
  readonly recEnd: number;
  readonly at: number;
}

/** Sets rec and recEnd to the records of the row whose index is in local `row` (`records`, `rowStart`: their base addresses). */
export function rowRecords(f: FnBuilder, S: SparseLocals, records: number, rowStart: number, row: number): void {
  f.get(rowStart).get(row).i32(4).op('i32.mul').op('i32.add').set(S.at);
  f.get(records).get(S.at).mem('i32.load', 0).i32(RECORD_BYTES).op('i32.mul').op('i32.add').set(S.rec);
  f.get(records).get(S.at).mem('i32.load', 4).i32(RECORD_BYTES).op('i32.mul').op('i32.add').set(S.recEnd);
}

/** A loop over the records [rec, recEnd) one at a time: body (the record at rec), then rec += RECORD_BYTES. */
export function eachRecord(f: FnBuilder, S: SparseLocals, body: () => void): void {
  f.block().loop();
  f.get(S.rec).get(S.recEnd).op('i32.ge_u').brIf(1);
  body();
  f.get(S.rec).i32(RECORD_BYTES).op('i32.add').set(S.rec);
  f.br(0).op('end').op('end');
}

/**
 * The screened float32 scores of the one row whose records are [rec, recEnd), into L.acc[0]:
 * bias[q] - sum over its non-zeros of x_j c[j][q], even-numbered non-zeros into acc[0], odd ones
 * into acc[1] (started at 0), then added. Needs screenLocals with R >= 2. Advances rec.
 */
export function screenSparse(f: FnBuilder, L: ScreenLocals, S: SparseLocals, d: number, Q: number): void {
  const [a, b] = [L.acc[0], L.acc[1]];
  for (let q = 0; q < Q; q++) {
    f.get(L.cf)
      .mem('v128.load', (d * Q + q) * 16)
      .set(a[q]);
    f.i64x2(0, 0).set(b[q]);
  }
  /** Folds the record at rec + offset into acc. */
  const term = (offset: number, acc: readonly number[], xs: number): void => {
    f.get(S.rec)
      .mem('v128.load32_splat', offset + 4)
      .set(xs);
    f.get(L.cf)
      .get(S.rec)
      .mem('i32.load', offset)
      .i32(Q * 16)
      .op('i32.mul')
      .op('i32.add')
      .set(S.at);
    for (let q = 0; q < Q; q++)
      f.get(acc[q])
        .get(xs)
        .get(S.at)
        .mem('v128.load', q * 16)
        .op('f32x4.mul')
        .op('f32x4.sub')
        .set(acc[q]);
  };
  f.block().loop();
  f.get(S.rec)
    .i32(2 * RECORD_BYTES)
    .op('i32.add')
    .get(S.recEnd)
    .op('i32.gt_u')
    .brIf(1);
  term(0, a, L.xs[0]);
  term(RECORD_BYTES, b, L.xs[1]);
  f.get(S.rec)
    .i32(2 * RECORD_BYTES)
    .op('i32.add')
    .set(S.rec);
  f.br(0).op('end').op('end');
  f.get(S.rec).get(S.recEnd).op('i32.lt_u').ifVoid();
  term(0, a, L.xs[0]);
  f.op('end');
  for (let q = 0; q < Q; q++) f.get(a[q]).get(b[q]).op('f32x4.add').set(a[q]);
}

/**
 * Adds the row whose records are [rec, recEnd) to the float64 sums of its cluster at `so` (d
 * values), feature by feature in order, and 1 to the count at `countAt`. Advances rec.
 */
export function addSparseRow(f: FnBuilder, S: SparseLocals, so: number, countAt: number): void {
  eachRecord(f, S, () => {
    f.get(so).get(S.rec).mem('i32.load', 0).i32(3).op('i32.shl').op('i32.add').set(S.at);
    f.get(S.at).get(S.at).mem('f64.load', 0).get(S.rec).mem('f64.load', 8).op('f64.add').mem('f64.store', 0);
  });
  f.get(countAt).get(countAt).mem('f64.load', 0).f64(1).op('f64.add').mem('f64.store', 0);
}
