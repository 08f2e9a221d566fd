/**
 * Squared Euclidean distances of one row against a run of rows, as a WebAssembly SIMD (f64x2)
 * kernel generated per row width d; the pairwise pass of the silhouette (silhouetteTiles.ts).
 *
 * The distance of rows a and b is computed directly from the differences (never through the
 * ||a||^2 + ||b||^2 - 2 a.b expansion, which cancels catastrophically for close rows): lane 0
 * accumulates (a_t - b_t)^2 over the even features t = 0, 2, 4, ..., lane 1 over the odd ones,
 * each from 0 in feature order; then s = lane0 + lane1, and for odd d s += (a_{d-1} - b_{d-1})^2.
 * {@link sqDistJs} performs exactly that sequence in JavaScript (IEEE double, no fused
 * multiply-add), so both give the same bits.
 *
 * sq(x, i, j0, j1, out): out[j - j0] = |x_i - x_j|^2 for j in [j0, j1), four rows j per loop
 * iteration (four independent accumulation chains sharing each load of x_i), then one at a time.
 */
import { FnBuilder } from './encoder';

/** sq(x, i, j0, j1, out) for rows of d features (see the header); silhouetteTiles.ts puts it in its module. */
export function sqFn(d: number): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32'], null);
  const [x, i, j0, j1, out] = [0, 1, 2, 3, 4];
  const row = d * 8;
  const pairs = d >> 1;
  const xi = f.local('i32');
  const xj = f.local('i32');
  const o = f.local('i32');
  const j = f.local('i32');
  const t = f.local('i32');
  const a = f.local('v128');
  const u = f.local('v128');
  const acc = [f.local('v128'), f.local('v128'), f.local('v128'), f.local('v128')];
  f.get(x).get(i).i32(row).op('i32.mul').op('i32.add').set(xi);
  f.get(x).get(j0).i32(row).op('i32.mul').op('i32.add').set(xj);
  f.get(out).set(o);
  f.get(j0).set(j);
  const body = (rows: number): void => {
    for (let r = 0; r < rows; r++) f.i64x2(0, 0).set(acc[r]);
    if (pairs > 0) {
      f.i32(0).set(t);
      f.block().loop();
      f.get(xi).get(t).op('i32.add').mem('v128.load', 0).set(a);
      for (let r = 0; r < rows; r++) {
        f.get(acc[r])
          .get(a)
          .get(xj)
          .get(t)
          .op('i32.add')
          .mem('v128.load', r * row)
          .op('f64x2.sub')
          .tee(u)
          .get(u)
          .op('f64x2.mul')
          .op('f64x2.add')
          .set(acc[r]);
      }
      f.get(t)
        .i32(16)
        .op('i32.add')
        .tee(t)
        .i32(pairs * 16)
        .op('i32.ge_s')
        .brIf(1);
      f.br(0).op('end').op('end');
    }
    for (let r = 0; r < rows; r++) {
      f.get(o);
      f.get(acc[r]).lane('f64x2.extract_lane', 0).get(acc[r]).lane('f64x2.extract_lane', 1).op('f64.add');
      if (d % 2 === 1) {
        // the last feature, splat into both lanes: lane 0 is the scalar (a - b)^2
        f.get(xi)
          .mem('v128.load64_splat', (d - 1) * 8)
          .get(xj)
          .mem('v128.load64_splat', r * row + (d - 1) * 8)
          .op('f64x2.sub')
          .tee(u)
          .get(u)
          .op('f64x2.mul')
          .lane('f64x2.extract_lane', 0)
          .op('f64.add');
      }
      f.mem('f64.store', r * 8);
    }
    f.get(xj)
      .i32(rows * row)
      .op('i32.add')
      .set(xj);
    f.get(o)
      .i32(rows * 8)
      .op('i32.add')
      .set(o);
    f.get(j).i32(rows).op('i32.add').set(j);
  };
  f.block().loop();
  f.get(j).i32(3).op('i32.add').get(j1).op('i32.ge_s').brIf(1);
  body(4);
  f.br(0).op('end').op('end');
  f.block().loop();
  f.get(j).get(j1).op('i32.ge_s').brIf(1);
  body(1);
  f.br(0).op('end').op('end');
  return f;
}

/** JavaScript twin of the kernel: the same operations in the same order, so the same bits. */
export function sqDistJs(x: Float64Array, d: number, i: number, j0: number, j1: number, out: Float64Array): void {
  const io = i * d;
  const last = d - (d & 1);
  for (let j = j0; j < j1; j++) {
    const jo = j * d;
    let s0 = 0;
    let s1 = 0;
    for (let t = 0; t < last; t += 2) {
      const u0 = x[io + t] - x[jo + t];
      const u1 = x[io + t + 1] - x[jo + t + 1];
      s0 += u0 * u0;
      s1 += u1 * u1;
    }
    let s = s0 + s1;
    if (last < d) {
      const u = x[io + last] - x[jo + last];
      s += u * u;
    }
    out[j - j0] = s;
  }
}
