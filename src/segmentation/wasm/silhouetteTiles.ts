/**
 * The silhouette's pairwise pass (../silhouette.ts) in WebAssembly, a tile of rows at a time:
 *  - tile(bi, iEnd, bj, jEnd): the distances of rows [bi, iEnd) to rows [bj, jEnd) (only pairs
 *    i < j), each the square root of pairwise.ts's `sq`, into the tile buffer `dist`;
 *  - fold(q, bi, iEnd, bj, jEnd): labeling q's folding of that tile into its per-row, per-cluster
 *    distance sums, sums[i][labels[j]] += d_ij and sums[j][labels[i]] += d_ij, rows i then
 *    columns j in order.
 * Both do what silhouette.ts does in JavaScript, the same operations in the same order (f64.sqrt
 * is IEEE's correctly rounded square root, as Math.sqrt), so the sums have the same bits. One call
 * per tile and labeling replaces a call per row and the JavaScript loop over every pair and
 * labeling (on the wide bench's 10,000 rows and 9 labelings, 450 million pairs folded).
 *
 * Memory: the rows (n x d float64), the tile (tile x tile float64), each labeling's labels (n
 * int32) and sums (n x k float64).
 */
import { instantiate, regionLayout, sharedMemory, type WasmMemory } from './api';
import { encodeModule, FnBuilder, MAX_PAGES, moduleWat, withText } from './encoder';
import { wasmEnabled } from './engine';
import { sqFn } from './pairwise';

/** tile(x, dist, size, bi, iEnd, bj, jEnd): the tile's distances; module index 0 is `sq`. */
function tileFn(): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], null);
  const [x, dist, size, bi, iEnd, bj, jEnd] = [0, 1, 2, 3, 4, 5, 6];
  const i = f.local('i32');
  const j0 = f.local('i32');
  const p = f.local('i32');
  const e = f.local('i32');
  f.get(bi).set(i);
  f.block().loop();
  f.get(i).get(iEnd).op('i32.ge_s').brIf(1);
  // j0 = bj === bi ? i + 1 : bj
  f.get(i).i32(1).op('i32.add').get(bj).get(bj).get(bi).op('i32.eq').op('select').set(j0);
  f.get(j0).get(jEnd).op('i32.lt_s').ifVoid();
  // p = dist + ((i - bi) * size + (j0 - bj)) * 8
  f.get(dist).get(i).get(bi).op('i32.sub').get(size).op('i32.mul').get(j0).get(bj).op('i32.sub').op('i32.add').i32(8).op('i32.mul').op('i32.add').set(p);
  f.get(x).get(i).get(j0).get(jEnd).get(p).call(0);
  f.get(p).get(jEnd).get(j0).op('i32.sub').i32(8).op('i32.mul').op('i32.add').set(e);
  f.block().loop();
  f.get(p).get(e).op('i32.ge_s').brIf(1);
  f.get(p).get(p).mem('f64.load', 0).op('f64.sqrt').mem('f64.store', 0);
  f.get(p).i32(8).op('i32.add').set(p);
  f.br(0).op('end').op('end');
  f.op('end');
  f.get(i).i32(1).op('i32.add').set(i);
  f.br(0).op('end').op('end');
  return f;
}

/** fold(dist, labels, k, sums, size, bi, iEnd, bj, jEnd): one labeling's folding of the tile. */
function foldFn(): FnBuilder {
  const f = new FnBuilder(['i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32', 'i32'], null);
  const [dist, labels, k, sums, size, bi, iEnd, bj, jEnd] = [0, 1, 2, 3, 4, 5, 6, 7, 8];
  const i = f.local('i32');
  const j = f.local('i32');
  const si = f.local('i32');
  const sj = f.local('i32');
  const lj = f.local('i32');
  const o = f.local('i32');
  const a = f.local('i32');
  const stride = f.local('i32');
  const v = f.local('f64');
  f.get(k).i32(8).op('i32.mul').set(stride);
  f.get(bi).set(i);
  f.block().loop();
  f.get(i).get(iEnd).op('i32.ge_s').brIf(1);
  f.get(sums).get(i).get(stride).op('i32.mul').op('i32.add').set(si);
  f.get(i).i32(1).op('i32.add').get(bj).get(bj).get(bi).op('i32.eq').op('select').set(j);
  // o = dist + ((i - bi) * size - bj) * 8: the distance of (i, j) at o + j * 8
  f.get(dist).get(i).get(bi).op('i32.sub').get(size).op('i32.mul').get(bj).op('i32.sub').i32(8).op('i32.mul').op('i32.add').set(o);
  f.get(labels).get(j).i32(4).op('i32.mul').op('i32.add').set(lj);
  // sj = sums + j * k * 8 + labels[i] * 8
  f.get(sums).get(j).get(stride).op('i32.mul').op('i32.add').get(labels).get(i).i32(4).op('i32.mul').op('i32.add').mem('i32.load', 0).i32(8).op('i32.mul').op('i32.add').set(sj);
  f.block().loop();
  f.get(j).get(jEnd).op('i32.ge_s').brIf(1);
  f.get(o).get(j).i32(8).op('i32.mul').op('i32.add').mem('f64.load', 0).set(v);
  f.get(si).get(lj).mem('i32.load', 0).i32(8).op('i32.mul').op('i32.add').set(a);
  f.get(a).get(a).mem('f64.load', 0).get(v).op('f64.add').mem('f64.store', 0);
  f.get(sj).get(sj).mem('f64.load', 0).get(v).op('f64.add').mem('f64.store', 0);
  f.get(lj).i32(4).op('i32.add').set(lj);
  f.get(sj).get(stride).op('i32.add').set(sj);
  f.get(j).i32(1).op('i32.add').set(j);
  f.br(0).op('end').op('end');
  f.get(i).i32(1).op('i32.add').set(i);
  f.br(0).op('end').op('end');
  return f;
}

const cache = new Map<number, Uint8Array>();

function functions(d: number): Array<{ name: string; fn: FnBuilder }> {
  return [
    { name: 'sq', fn: sqFn(d) },
    { name: 'tile', fn: tileFn() },
    { name: 'fold', fn: foldFn() },
  ];
}

/** The module exporting sq (pairwise.ts), tile and fold for rows of d features; cached per d. */
export function silhouetteModuleBytes(d: number): Uint8Array {
  if (!Number.isSafeInteger(d) || d < 1) throw new RangeError(`row width must be a positive integer, got ${d}`);
  let b = cache.get(d);
  if (b === undefined) {
    b = encodeModule(functions(d));
    cache.set(d, b);
  }
  return b;
}

/** The same module as WebAssembly text (for tests and reading). */
export function silhouetteModuleWat(d: number): string {
  return moduleWat(withText(() => functions(d)));
}

/** The pass's state in a WebAssembly memory: call tile, then fold for each labeling; the sums are views on the memory. */
export interface SilhouetteTiles {
  tile(bi: number, iEnd: number, bj: number, jEnd: number): void;
  fold(q: number, bi: number, iEnd: number, bj: number, jEnd: number): void;
  /** Per labeling, its n x k sums (zero at first). */
  readonly sums: readonly Float64Array[];
  /** The tile buffer: the distance of (i, j) at (i - bi) * size + (j - bj). */
  readonly dist: Float64Array;
}

interface TileExports {
  tile(x: number, dist: number, size: number, bi: number, iEnd: number, bj: number, jEnd: number): void;
  fold(dist: number, labels: number, k: number, sums: number, size: number, bi: number, iEnd: number, bj: number, jEnd: number): void;
}

/**
 * The pass over the n x d rows of x for these labelings in WebAssembly, or undefined when the
 * WebAssembly kernels are off or unsupported or the data do not fit a 32-bit memory (then
 * silhouette.ts runs its JavaScript twin).
 */
export function silhouetteTiles(x: Float64Array, n: number, d: number, size: number, labelings: readonly Int32Array[], ks: readonly number[]): SilhouetteTiles | undefined {
  if (!wasmEnabled()) return undefined;
  const { take, pages: pagesNeeded } = regionLayout();
  const xAt = take(n * d * 8);
  const distAt = take(size * size * 8);
  const labelsAt = labelings.map(() => take(n * 4));
  const sumsAt = ks.map((k) => take(n * k * 8));
  const pages = pagesNeeded();
  if (pages > MAX_PAGES - 1) return undefined;
  let memory: WasmMemory;
  try {
    memory = sharedMemory(pages);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  const buf = memory.buffer;
  new Float64Array(buf, xAt, n * d).set(x.subarray(0, n * d));
  labelings.forEach((l, q) => new Int32Array(buf, labelsAt[q], n).set(l));
  const fns = instantiate<TileExports>(silhouetteModuleBytes(d), memory);
  return {
    tile: (bi, iEnd, bj, jEnd) => fns.tile(xAt, distAt, size, bi, iEnd, bj, jEnd),
    fold: (q, bi, iEnd, bj, jEnd) => fns.fold(distAt, labelsAt[q], ks[q], sumsAt[q], size, bi, iEnd, bj, jEnd),
    sums: ks.map((k, q) => new Float64Array(buf, sumsAt[q], n * k)),
    dist: new Float64Array(buf, distAt, size * size),
  };
}
