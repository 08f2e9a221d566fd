/**
 * Runs the WebAssembly SIMD kernels of kernels.ts over a matrix copied into a shared
 * WebAssembly memory, in the same fixed row blocks as the JavaScript engine. The memory is a
 * SharedArrayBuffer, so worker threads (lloydParallel.ts) instantiate the same module on the
 * same memory and each fills its own blocks' partial results.
 *
 * Used when the runtime validates the module (WebAssembly SIMD) and the data fits in a 32-bit
 * memory; otherwise, or with AUTOSEG_KMEANS_KERNEL=js, the JavaScript kernels run. Both give
 * bit-identical results.
 */
import type { Matrix } from '../matrix';
import { instantiate, regionLayout, sharedMemory, wasmApi, type WasmMemory } from './api';
import { WasmKernels } from './kernelInstance';
import { MAX_PAGES } from './encoder';
import { kernelModuleBytes, pairsOf } from './kernels';
import { centreMoves } from './bounds';
import { F32_MAX_ABS, HEADER, HEADER_BYTES, quadsOf, screenThreshold } from './lloyd32';
import { useBounds } from './lloyd32Bounds';
import { countNonZeros, fillSparseRows, RECORD_BYTES, SPARSE_MAX_DENSITY } from './sparseRows';
import { seedRegions, WasmSeeder, type SeedRegions } from './seeding';

export type { WasmMemory } from './api';
export { WasmKernels } from './kernelInstance';

/** Byte offsets in the memory; everything 16-byte aligned. */
export interface WasmLayout {
  readonly n: number;
  readonly d: number;
  readonly k: number;
  readonly block: number;
  readonly nBlocks: number;
  readonly x: number;
  readonly cl: number;
  readonly cn: number;
  readonly labels: number;
  readonly partSums: number;
  readonly partCounts: number;
  /** The float32 screening data (lloyd32.ts), or -1 each when they do not fit the memory. */
  readonly x32: number;
  readonly nx: number;
  readonly cf: number;
  /** Distance bounds (bounds.ts): per row ub, lb, ||x||^2; the centres' moves. */
  readonly ub: number;
  readonly lb: number;
  readonly nsq: number;
  readonly dl: number;
  readonly todo: number;
  /** The rows' non-zeros for the wide-shape kernel (sparseRows.ts): records, row starts and their count; -1 each without. */
  readonly records: number;
  readonly rowStart: number;
  readonly nonZeros: number;
  /** The k-means++ candidate pass's buffers (seeding.ts), when asked for: the seeder reads x here instead of a copy of its own. */
  readonly seed: SeedRegions | undefined;
  readonly pages: number;
}

/** What a layout holds beyond the Lloyd kernels' float64 data. */
export interface LayoutOptions {
  /** The float32 screening copy and the distance bounds, when they fit (default true; a single nearest-centroid pass has no use for them). */
  readonly float32?: boolean;
  /** Room for the k-means++ candidate pass with this many candidates per step (kmeansInit.ts trialsFor). */
  readonly seedTrials?: number;
  /** Room for this many non-zeros (sparseRows.ts), used by the wide-shape kernel only (lloyd32Bounds.ts useBounds). */
  readonly nonZeros?: number;
  /**
   * For {@link wasmMatrixFor}: whether the wide-shape kernel reads the rows' non-zeros (default:
   * when at most SPARSE_MAX_DENSITY of the values are non-zero; tests force either way).
   */
  readonly sparse?: boolean;
}

/** The layout for n x d rows and k centroids, or undefined when it does not fit a wasm32 memory. */
export function wasmLayout(n: number, d: number, k: number, block: number, opts: LayoutOptions = {}): WasmLayout | undefined {
  const np = pairsOf(k);
  const nBlocks = Math.max(1, Math.ceil(n / block));
  const regions = regionLayout(HEADER_BYTES);
  const take = regions.take;
  const x = take(n * d * 8);
  const cl = take((d + 1) * np * 16);
  const cn = take(d * np * 16);
  const labels = take(n * 4);
  const partSums = take(nBlocks * k * d * 8);
  const partCounts = take(nBlocks * k * 8);
  const seed = opts.seedTrials === undefined ? undefined : seedRegions(take, n, d, opts.seedTrials);
  const base = regions.pages();
  if (base > MAX_PAGES - 1) return undefined;
  const none = { records: -1, rowStart: -1, nonZeros: -1 };
  const without = { n, d, k, block, nBlocks, x, cl, cn, labels, partSums, partCounts, x32: -1, nx: -1, cf: -1, ub: -1, lb: -1, nsq: -1, dl: -1, todo: -1, ...none, seed, pages: base };
  if (opts.float32 === false) return without;
  const q = quadsOf(k);
  const x32 = take(n * d * 4);
  const nx = take(n * 4);
  const cf = take(((d + 1) * q + 1) * 16);
  const ub = take(n * 8);
  const lb = take(n * 8);
  const nsq = take(n * 8);
  const dl = take((k + 1) * 8);
  const todo = take(n * 4);
  const nonZeros = opts.nonZeros !== undefined && useBounds(k, d) ? opts.nonZeros : -1;
  const sparse = nonZeros < 0 ? none : { records: take(nonZeros * RECORD_BYTES), rowStart: take((n + 1) * 4), nonZeros };
  const pages = regions.pages();
  // without room for the float32 copy, the float64 kernel alone runs (same results, slower)
  if (pages > MAX_PAGES - 1) return without;
  return { n, d, k, block, nBlocks, x, cl, cn, labels, partSums, partCounts, x32, nx, cf, ub, lb, nsq, dl, todo, ...sparse, seed, pages };
}

let support: boolean | undefined;

/** Whether this runtime runs the SIMD kernels with a shared memory (checked once). */
export function wasmSimdSupported(): boolean {
  if (support === undefined) {
    try {
      const bytes = kernelModuleBytes(3, 3);
      support = wasmApi !== undefined && wasmApi.validate(bytes) && instantiate<unknown>(bytes, sharedMemory(1)) !== undefined;
    } catch {
      support = false;
    }
  }
  return support;
}

export type KernelBackend = 'auto' | 'js';
let backend: KernelBackend = process.env.AUTOSEG_KMEANS_KERNEL === 'js' ? 'js' : 'auto';

/** Forces the JavaScript kernels ('js') or lets the engine pick ('auto'); for tests and benchmarks. */
export function setKernelBackend(b: KernelBackend): void {
  backend = b;
}

/** Whether WebAssembly kernels are allowed (not forced off) and supported here. */
export function wasmEnabled(): boolean {
  return backend === 'auto' && wasmSimdSupported();
}

/** Whether the WebAssembly kernels will run for this shape. */
export function useWasm(n: number, d: number, k: number, block: number): boolean {
  return backend === 'auto' && wasmSimdSupported() && wasmLayout(n, d, k, block) !== undefined;
}

/** The matrix in a shared wasm memory, with views on the labels and per-block partial sums. */
export class WasmMatrix {
  readonly memory: WasmMemory;
  readonly labels: Int32Array;
  readonly partSums: Float64Array;
  readonly partCounts: Float64Array;
  readonly moduleBytes: Uint8Array;
  /** The k-means++ candidate pass on this memory's rows, when the layout has room for it. */
  readonly seeder: WasmSeeder | undefined;
  private readonly cl: Float64Array;
  private readonly cn: Float64Array;
  private readonly cf: Float32Array | undefined;
  private readonly header: Int32Array;
  private readonly dl: Float64Array;
  /** The centres of the previous Lloyd assignment; undefined after anything else set them. */
  private prevCenters: Float64Array | undefined;

  /** Copies m's rows into a new memory, or with `memory`, takes the rows already at layout.x of it (see {@link placedRows}). */
  constructor(
    m: Matrix,
    k: number,
    readonly layout: WasmLayout,
    memory?: WasmMemory,
  ) {
    const L = layout;
    this.memory = memory ?? sharedMemory(L.pages);
    const buf = this.memory.buffer;
    if (memory === undefined) new Float64Array(buf, L.x, L.n * L.d).set(m.data);
    this.labels = new Int32Array(buf, L.labels, L.n);
    this.partSums = new Float64Array(buf, L.partSums, L.nBlocks * k * L.d);
    this.partCounts = new Float64Array(buf, L.partCounts, L.nBlocks * k);
    const np = pairsOf(k);
    this.cl = new Float64Array(buf, L.cl, (L.d + 1) * np * 2);
    this.cn = new Float64Array(buf, L.cn, L.d * np * 2);
    this.moduleBytes = kernelModuleBytes(k, L.d);
    this.header = new Int32Array(buf, 0, HEADER_BYTES / 4);
    this.dl = new Float64Array(buf, Math.max(0, L.dl), L.dl < 0 ? 0 : k + 1);
    this.cf = this.initFloat32(m) ? new Float32Array(buf, L.cf, ((L.d + 1) * quadsOf(k) + 1) * 4) : undefined;
    // the rows' non-zero records, when the layout has them and initFloat32 filled them
    const records = this.cf !== undefined && L.records >= 0 ? { records: L.records, rowStart: L.rowStart } : undefined;
    this.seeder = L.seed === undefined ? undefined : new WasmSeeder(this.memory, L.x, L.n, L.d, L.seed, records);
  }

  /**
   * Replaces the first rows.length / d rows with `rows` (a layout without the float32 copy: that
   * copy and the bounds would no longer match); for passes that stream a larger matrix through.
   */
  loadRows(rows: Float64Array): void {
    const L = this.layout;
    if (L.x32 >= 0 || rows.length > L.n * L.d) throw new RangeError('loadRows needs a float64-only layout with room for the rows');
    new Float64Array(this.memory.buffer, L.x, rows.length).set(rows);
  }

  /**
   * Fills x32 and nx and turns the float32 screening on, when the layout has room for it and
   * every |x| <= F32_MAX_ABS (lloyd32.ts); returns whether it is on.
   */
  private initFloat32(m: Matrix): boolean {
    const L = this.layout;
    if (L.x32 < 0) return false;
    const x = m.data;
    for (let t = 0; t < x.length; t++) if (!(Math.abs(x[t]) <= F32_MAX_ABS)) return false;
    const buf = this.memory.buffer;
    // the sparse passes read the records' float32 values instead: the dense copy's pages stay untouched (out of RSS)
    if (L.records < 0) new Float32Array(buf, L.x32, L.n * L.d).set(x);
    const nx = new Float32Array(buf, L.nx, L.n);
    // ||x||^2 only serves the distance bounds; without them its pages stay untouched (out of RSS)
    const nsq = useBounds(L.k, L.d) ? new Float64Array(buf, L.nsq, L.n) : undefined;
    for (let i = 0; i < L.n; i++) {
      let s = 0;
      for (let j = 0; j < L.d; j++) s += x[i * L.d + j] * x[i * L.d + j];
      if (nsq !== undefined) nsq[i] = s;
      nx[i] = Math.fround(Math.sqrt(s) * (1 + 2 ** -20)); // rounded up: the threshold needs an upper bound
    }
    this.header[HEADER.ub / 4] = L.ub;
    this.header[HEADER.lb / 4] = L.lb;
    this.header[HEADER.nsq / 4] = L.nsq;
    this.header[HEADER.dl / 4] = L.dl;
    this.header[HEADER.todo / 4] = L.todo;
    if (L.records >= 0) {
      fillSparseRows(buf, L.records, L.rowStart, x, L.n, L.d, L.nonZeros);
      this.header[HEADER.records / 4] = L.records;
      this.header[HEADER.rowStart / 4] = L.rowStart;
    }
    this.header[HEADER.x32 / 4] = L.x32;
    this.header[HEADER.nx / 4] = L.nx;
    this.header[HEADER.cf / 4] = L.cf;
    this.header[HEADER.on / 4] = 1;
    return true;
  }

  /**
   * Whether the rows' distance bounds are those of the last Lloyd assignment (the wide-shape
   * kernel ran it, and nothing else set the centres since), so the final assignment may use them
   * (finalBounds.ts): then set the final centres with their half norms and run finalBlock.
   */
  get boundsCurrent(): boolean {
    return this.cf !== undefined && this.prevCenters !== undefined && useBounds(this.layout.k, this.layout.d);
  }

  /** Rows whose distances the bounds skipped so far (a benchmark figure; approximate with threads). */
  get skips(): number {
    return this.header[HEADER.skips / 4];
  }

  /** Rows the float32 screening sent to the float64 recomputation so far (a benchmark figure; approximate with threads). */
  get fallbacks(): number {
    return this.header[HEADER.fallbacks / 4];
  }

  /** Packs the centroids (k x d) as lane pairs, and the half norms for the Lloyd kernel. */
  setCenters(centers: Float64Array, halfNorms?: Float64Array): void {
    const { k, d } = this.layout;
    const np = pairsOf(k);
    for (let j = 0; j < d; j++) {
      for (let c = 0; c < 2 * np; c++) {
        const at = (j * np + (c >> 1)) * 2 + (c & 1);
        this.cl[at] = c < k ? centers[c * d + j] : 0;
        this.cn[at] = c < k ? centers[c * d + j] : Infinity;
      }
    }
    if (halfNorms !== undefined) {
      for (let c = 0; c < 2 * np; c++) this.cl[d * np * 2 + c] = c < k ? halfNorms[c] : Infinity;
      if (this.cf !== undefined) this.setFloat32Centers(centers, halfNorms);
    } else {
      this.prevCenters = undefined; // e.g. the final step: the bounds no longer follow the labels
    }
  }

  /** The float32 centroid quads, half norms and the screening threshold's alpha, beta. */
  private setFloat32Centers(centers: Float64Array, halfNorms: Float64Array): void {
    const { k, d } = this.layout;
    const cf = this.cf as Float32Array;
    const q4 = quadsOf(k) * 4;
    let maxHalf = 0;
    let maxNorm2 = 0;
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += centers[c * d + j] * centers[c * d + j];
      maxNorm2 = Math.max(maxNorm2, s);
      maxHalf = Math.max(maxHalf, Math.abs(halfNorms[c]));
    }
    for (let j = 0; j < d; j++) for (let c = 0; c < q4; c++) cf[j * q4 + c] = c < k ? centers[c * d + j] : 0;
    for (let c = 0; c < q4; c++) cf[d * q4 + c] = c < k ? halfNorms[c] : Infinity;
    const { alpha, beta } = screenThreshold(d, maxHalf, Math.sqrt(maxNorm2) * (1 + 2 ** -40));
    cf[(d + 1) * q4] = alpha;
    cf[(d + 1) * q4 + 1] = beta;
    centreMoves(this.prevCenters, centers, k, d, this.dl);
    this.prevCenters = Float64Array.from(centers);
  }

  /** An instance of the kernels on this memory (one per thread). */
  instance(): WasmKernels {
    return new WasmKernels(this.memory, this.layout, this.moduleBytes);
  }
}

/** Rows allocated by {@link placedRows}, with the memory and layout they were placed for. */
const placed = new WeakMap<Float64Array, { memory: WasmMemory; layout: WasmLayout }>();

/**
 * Storage for n x d rows (row-major, zero-filled) at the place the WebAssembly engine for k
 * centroids with these layout options reads them: the first {@link wasmMatrixFor} of a matrix
 * over exactly this array and shape uses the memory in place instead of copying the rows (a big
 * matrix is then held once, not twice). Undefined when the WebAssembly kernels would not run
 * for the shape or the memory cannot be had; any Float64Array does then.
 */
export function placedRows(n: number, d: number, k: number, block: number, opts: LayoutOptions = {}): Float64Array | undefined {
  if (!useWasm(n, d, k, block)) return undefined;
  const layout = wasmLayout(n, d, k, block, opts);
  if (layout === undefined) return undefined;
  let memory: WasmMemory;
  try {
    memory = sharedMemory(layout.pages);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
  const data = new Float64Array(memory.buffer, layout.x, n * d);
  placed.set(data, { memory, layout });
  return data;
}

/**
 * The matrix in a shared wasm memory when the WebAssembly kernels are to run for this shape
 * ({@link useWasm}) and the memory can be had; undefined means: use the JavaScript kernels.
 */
export function wasmMatrixFor(m: Matrix, k: number, block: number, opts: LayoutOptions = {}): WasmMatrix | undefined {
  if (!useWasm(m.rows, m.cols, k, block)) return undefined;
  const layout = wasmLayout(m.rows, m.cols, k, block, opts);
  if (layout === undefined) return undefined;
  const home = placed.get(m.data);
  if (home !== undefined && JSON.stringify(home.layout) === JSON.stringify(layout)) {
    placed.delete(m.data); // used once: a second engine on the same rows gets a copy, not a shared scratch space
    return new WasmMatrix(m, k, layout, home.memory);
  }
  try {
    return new WasmMatrix(m, k, sparseLayout(m, k, block, opts) ?? layout);
  } catch (e) {
    if (e instanceof RangeError) return undefined; // memory could not be allocated
    throw e;
  }
}

/** The layout with room for m's non-zeros, when the wide-shape kernel runs and is to read them (see {@link LayoutOptions.sparse}). */
function sparseLayout(m: Matrix, k: number, block: number, opts: LayoutOptions): WasmLayout | undefined {
  if (opts.sparse === false || opts.float32 === false || !useBounds(k, m.cols)) return undefined;
  const count = m.rows * m.cols;
  const nonZeros = countNonZeros(m.data, count);
  if (opts.sparse !== true && nonZeros > SPARSE_MAX_DENSITY * count) return undefined;
  return wasmLayout(m.rows, m.cols, k, block, { ...opts, nonZeros });
}
