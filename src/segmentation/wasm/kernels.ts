/**
 * The k-means assignment kernels as WebAssembly SIMD (f64x2), generated per (k, d) like the
 * JavaScript kernels of ../kernels.ts, and computing bit for bit what those compute.
 *
 * Centroids are processed two at a time, one per lane: for feature j, the row's value x_j is
 * splat into both lanes and each pair of centroids (c_2p, c_2p+1) accumulates its own distance.
 * Every lane therefore performs exactly the scalar sequence of the JavaScript kernel (same
 * operations, same order, IEEE double, no fused multiply-add), so labels, sums and inertia are
 * identical to the JavaScript kernels, and results never depend on which kernel ran.
 *
 * Memory (addresses are function arguments, see engine.ts):
 *  - x: the rows, row-major float64;
 *  - cl (Lloyd): d * P pairs [j][p] = (c_2p[j], c_2p+1[j]) then P pairs of half squared norms;
 *    with k odd the missing centroid has c = 0 and half norm +Infinity (never chosen);
 *  - cn (nearest): d * P pairs as cl, the missing centroid at +Infinity (distance +Infinity);
 *  - labels: int32 per row; sums: k * d float64 and counts: k float64 of the block.
 *
 * Argmin: lane-wise over the pairs (a later pair wins only when strictly smaller), then the two
 * lanes (lane 1 wins when smaller, or equal with a lower index): the lowest index among the
 * minima, as the sequential `if (s < bv)` scan.
 *
 * The exported `lloyd` runs lloyd32.ts's float32 screening when the memory's header turns it on
 * (same labels, sums and counts as `lloyd64` here, see there), else `lloyd64`.
 */
import { argmin, argminLocals, columnPairLoop, exactDistances, pairsOf, storeLabelAndAdd, type KernelShape } from './common';
import { encodeModule, FnBuilder, moduleWat, withText } from './encoder';
import { exactRowFn, lloyd32Fn, lloydDispatchFn } from './lloyd32';
import { finalBoundsFn } from './finalBounds';
import { lloyd32BoundsFn, useBounds } from './lloyd32Bounds';

export { pairsOf, type KernelShape } from './common';

/** Shared prologue: i = start, xo = x + start * d * 8, lp = labels + start * 4. */
function prologue(f: FnBuilder, d: number, P: { x: number; lab: number; start: number }, i: number, xo: number, lp: number): void {
  f.get(P.start).set(i);
  f.get(P.x)
    .get(P.start)
    .i32(d * 8)
    .op('i32.mul')
    .op('i32.add')
    .set(xo);
  f.get(P.lab).get(P.start).i32(4).op('i32.mul').op('i32.add').set(lp);
}

/** Advances i, xo, lp by `rows` rows. */
function advance(f: FnBuilder, d: number, rows: number, i: number, xo: number, lp: number): void {
  f.get(xo)
    .i32(rows * d * 8)
    .op('i32.add')
    .set(xo);
  f.get(lp)
    .i32(rows * 4)
    .op('i32.add')
    .set(lp);
  f.get(i).i32(rows).op('i32.add').set(i);
}

/**
 * The row loops: first two rows per iteration (their independent accumulations interleaved, so
 * the additions of one row overlap those of the other; every centroid pair is loaded once for
 * both), then one row at a time for the last odd row. `body(r)` emits the work of `r` rows at
 * xo, xo + d*8 (labels at lp, lp + 4). Each row's arithmetic is the same either way.
 */
function rowLoops(f: FnBuilder, d: number, i: number, end: number, xo: number, lp: number, body: (rows: number) => void): void {
  f.block().loop();
  f.get(i).i32(1).op('i32.add').get(end).op('i32.ge_s').brIf(1);
  body(2);
  advance(f, d, 2, i, xo, lp);
  f.br(0).op('end').op('end');
  f.block().loop();
  f.get(i).get(end).op('i32.ge_s').brIf(1);
  body(1);
  advance(f, d, 1, i, xo, lp);
  f.br(0).op('end').op('end');
}

/**
 * lloyd(x, cl, labels, start, end, sums, counts) -> changed: the Lloyd assignment of rows
 * [start, end) with score h_c - x.c computed as ((h_c - x_0 c_0) - x_1 c_1) - ...; adds each
 * row to sums[label] and 1 to counts[label], rows in order; returns how many labels changed.
 */
export function lloydFn({ k, d }: KernelShape): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], 'i32');
  const [x, cl, lab, start, end, sums, counts] = [0, 1, 2, 3, 4, 5, 6];
  const np = pairsOf(k);
  const i = f.local('i32');
  const xo = f.local('i32');
  const lp = f.local('i32');
  const changed = f.local('i32');
  const best = f.local('i32');
  const so = f.local('i32');
  const cv = f.local('v128');
  const xs = [f.local('v128'), f.local('v128')];
  const acc = [0, 1].map(() => Array.from({ length: np }, () => f.local('v128')));
  const L = argminLocals(f);
  prologue(f, d, { x, lab, start }, i, xo, lp);
  rowLoops(f, d, i, end, xo, lp, (rows) => {
    for (let r = 0; r < rows; r++)
      for (let p = 0; p < np; p++)
        f.get(cl)
          .mem('v128.load', (d * np + p) * 16)
          .set(acc[r][p]);
    // score = halfNorm - sum_j x_j c_j, as scikit-learn's assignment
    columnPairLoop(f, rows, d, np, { xo, centres: cl, cv, xs, acc }, (r, p) => f.get(acc[r][p]).get(xs[r]).get(cv).op('f64x2.mul').op('f64x2.sub').set(acc[r][p]));
    for (let r = 0; r < rows; r++) {
      argmin(f, L, acc[r], best);
      storeLabelAndAdd(f, d, { lp, best, changed, sums, counts, so, xo }, r);
    }
  });
  f.get(changed);
  return f;
}

/**
 * nearest(x, cn, labels, start, end) -> inertia: exact nearest centroid of rows [start, end)
 * by sum_j (x_j - c_j)^2 accumulated from 0 in feature order; writes labels and returns the sum
 * of the rows' squared distances in row order.
 */
export function nearestFn({ k, d }: KernelShape): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32'], 'f64');
  const [x, cn, lab, start, end] = [0, 1, 2, 3, 4];
  const np = pairsOf(k);
  const i = f.local('i32');
  const xo = f.local('i32');
  const lp = f.local('i32');
  const best = f.local('i32');
  const bv = f.local('f64');
  const inertia = f.local('f64');
  const cv = f.local('v128');
  const t = f.local('v128');
  const xs = [f.local('v128'), f.local('v128')];
  const acc = [0, 1].map(() => Array.from({ length: np }, () => f.local('v128')));
  const L = argminLocals(f);
  prologue(f, d, { x, lab, start }, i, xo, lp);
  rowLoops(f, d, i, end, xo, lp, (rows) => {
    exactDistances(f, rows, d, np, { xo, centres: cn, cv, tmp: t, xs, acc });
    for (let r = 0; r < rows; r++) {
      argmin(f, L, acc[r], best, bv);
      f.get(lp)
        .get(best)
        .mem('i32.store', r * 4);
      f.get(inertia).get(bv).op('f64.add').set(inertia);
    }
  });
  f.get(inertia);
  return f;
}

function functions(shape: KernelShape): Array<{ name: string; fn: FnBuilder }> {
  if (!Number.isSafeInteger(shape.k) || shape.k < 1 || !Number.isSafeInteger(shape.d) || shape.d < 1) {
    throw new RangeError(`kernel shape must be positive integers, got k=${shape.k}, d=${shape.d}`);
  }
  return [
    // indices matter: lloyd dispatches to 3 (float32 screening) or 2 (float64); 3 calls 4
    { name: 'lloyd', fn: lloydDispatchFn(3, 2) },
    { name: 'nearest', fn: nearestFn(shape) },
    { name: 'lloyd64', fn: lloydFn(shape) },
    { name: 'lloyd32', fn: useBounds(shape.k, shape.d) ? lloyd32BoundsFn(shape, 4) : lloyd32Fn(shape, 4) },
    { name: 'exactRow', fn: exactRowFn(shape) },
    // the final assignment on the bounds (finalBounds.ts), for the shapes that keep them; calls 1
    ...(useBounds(shape.k, shape.d) ? [{ name: 'finalBounds', fn: finalBoundsFn(shape, 1) }] : []),
  ];
}

const cache = new Map<string, Uint8Array>();

/** The module (binary) of the kernels for k centroids of d features; cached per shape. */
export function kernelModuleBytes(k: number, d: number): Uint8Array {
  const key = `${k}:${d}`;
  let b = cache.get(key);
  if (b === undefined) {
    b = encodeModule(functions({ k, d }));
    cache.set(key, b);
  }
  return b;
}

/** The same module as WebAssembly text (for tests and reading). */
export function kernelModuleWat(k: number, d: number): string {
  return moduleWat(withText(() => functions({ k, d })));
}
