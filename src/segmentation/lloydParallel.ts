import { Worker } from 'node:worker_threads';
import { ROW_BLOCK } from './distance';
import { kernels, LLOYD_PARAMS, NEAREST_PARAMS } from './kernels';
import type { Seeder } from './kmeansInit';
import { lloydLoop, reduceBlocks, type LloydAnswer, type LloydResult } from './lloyd';
import type { Matrix } from './matrix';
import { wasmMatrixFor, type WasmMatrix } from './wasm/engine';

/**
 * Lloyd iterations over worker threads. The rows are cut into the same fixed blocks of
 * ROW_BLOCK rows as the single-threaded engine; each worker runs the same generated kernel
 * source over a contiguous range of blocks and writes one partial result per block into shared
 * memory; the main thread adds the partials in block order. Labels and sums are therefore
 * bit-identical to `runLloydSync`, whatever the number of threads.
 */

/**
 * The worker: plain JavaScript (no TypeScript loader needed). With `w.wasm` it instantiates the
 * WebAssembly kernels (wasm/kernels.ts) on the shared wasm memory and runs its blocks as
 * wasm/engine.ts's WasmKernels does; otherwise it compiles the JavaScript kernel sources it is sent.
 */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData: w } = require('node:worker_threads');
const partScalar = new Float64Array(w.partScalar);
const kd = w.k * w.d;
let step;
if (w.wasm) {
  const L = w.layout;
  const fns = new WebAssembly.Instance(new WebAssembly.Module(w.moduleBytes), { env: { memory: w.memory } }).exports;
  const partSums = new Float64Array(w.memory.buffer, L.partSums, L.nBlocks * kd);
  const partCounts = new Float64Array(w.memory.buffer, L.partCounts, L.nBlocks * w.k);
  step = (cmd, b, start, end) => {
    if (cmd !== 'assign') return fns.nearest(L.x, L.cn, L.labels, start, end);
    partSums.fill(0, b * kd, b * kd + kd);
    partCounts.fill(0, b * w.k, b * w.k + w.k);
    return fns.lloyd(L.x, L.cl, L.labels, start, end, L.partSums + b * kd * 8, L.partCounts + b * w.k * 8);
  };
} else {
  const x = new Float64Array(w.x);
  const centers = new Float64Array(w.centers);
  const halfNorms = new Float64Array(w.halfNorms);
  const labels = new Int32Array(w.labels);
  const partSums = new Float64Array(w.partSums);
  const partCounts = new Float64Array(w.partCounts);
  const lloyd = new Function(...w.lloydParams, "'use strict';\\n" + w.lloydSource);
  const nearest = new Function(...w.nearestParams, "'use strict';\\n" + w.nearestSource);
  step = (cmd, b, start, end) => {
    if (cmd !== 'assign') return nearest(x, centers, start, end, labels);
    const sums = partSums.subarray(b * kd, b * kd + kd).fill(0);
    const counts = partCounts.subarray(b * w.k, b * w.k + w.k).fill(0);
    return lloyd(x, centers, halfNorms, start, end, labels, sums, counts);
  };
}
parentPort.on('message', (msg) => {
  for (let b = msg.b0; b < msg.b1; b++) {
    const start = b * w.block;
    partScalar[b] = step(msg.cmd, b, start, Math.min(w.n, start + w.block));
  }
  parentPort.postMessage(msg.seq);
});
`;

function shared(bytes: number): SharedArrayBuffer {
  return new SharedArrayBuffer(Math.max(8, bytes));
}

/** A set of worker threads bound to one matrix and one k; run Lloyd from any initial centres. */
export class LloydPool {
  private readonly workers: Worker[] = [];
  private readonly ranges: Array<[number, number]> = [];
  private readonly n: number;
  private readonly nBlocks: number;
  private readonly centers: Float64Array;
  private readonly halfNorms: Float64Array;
  private readonly labels: Int32Array;
  private readonly partSums: Float64Array;
  private readonly partCounts: Float64Array;
  private readonly partScalar: Float64Array;
  private readonly shm: Matrix;
  private readonly wasm: WasmMatrix | undefined;
  private seq = 0;

  /**
   * `threads` workers over `m`. The data is copied into a shared WebAssembly memory when the
   * SIMD kernels run (see wasm/engine.ts), else into a SharedArrayBuffer unless it already lives
   * in one; with `seedTrials`, that memory also carries the k-means++ candidate pass
   * ({@link seeder}). Call {@link close} when done.
   */
  constructor(
    m: Matrix,
    private readonly k: number,
    threads: number,
    seedTrials?: number,
  ) {
    const d = m.cols;
    this.n = m.rows;
    this.nBlocks = Math.ceil(this.n / ROW_BLOCK);
    this.partScalar = new Float64Array(shared(this.nBlocks * 8));
    this.centers = new Float64Array(shared(k * d * 8));
    this.halfNorms = new Float64Array(shared(k * 8));
    const wm = wasmMatrixFor(m, k, ROW_BLOCK, { seedTrials });
    let workerData: Record<string, unknown>;
    if (wm !== undefined) {
      this.wasm = wm;
      this.shm = m;
      this.labels = wm.labels;
      this.partSums = wm.partSums;
      this.partCounts = wm.partCounts;
      workerData = { wasm: true, memory: wm.memory, moduleBytes: wm.moduleBytes, layout: wm.layout, partScalar: this.partScalar.buffer, n: this.n, k, d, block: ROW_BLOCK };
    } else {
      let data = m.data;
      if (!(data.buffer instanceof SharedArrayBuffer)) {
        data = new Float64Array(shared(data.byteLength));
        data.set(m.data);
      }
      this.shm = { rows: m.rows, cols: d, data };
      this.labels = new Int32Array(shared(this.n * 4));
      this.partSums = new Float64Array(shared(this.nBlocks * k * d * 8));
      this.partCounts = new Float64Array(shared(this.nBlocks * k * 8));
      const ks = kernels(k, d);
      workerData = {
        wasm: false,
        x: data.buffer,
        centers: this.centers.buffer,
        halfNorms: this.halfNorms.buffer,
        labels: this.labels.buffer,
        partSums: this.partSums.buffer,
        partCounts: this.partCounts.buffer,
        partScalar: this.partScalar.buffer,
        n: this.n,
        k,
        d,
        block: ROW_BLOCK,
        lloydParams: [...LLOYD_PARAMS],
        lloydSource: ks.lloydSource,
        nearestParams: [...NEAREST_PARAMS],
        nearestSource: ks.nearestSource,
      };
    }
    const t = Math.max(1, Math.min(threads, this.nBlocks));
    for (let w = 0; w < t; w++) {
      this.ranges.push([Math.floor((w * this.nBlocks) / t), Math.floor(((w + 1) * this.nBlocks) / t)]);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData });
      this.workers.push(worker);
    }
  }

  /** The k-means++ candidate pass on the pool's wasm memory (calling thread only), when the pool was made with seedTrials. */
  get seeder(): Seeder | undefined {
    return this.wasm?.seeder;
  }

  /** Whether the workers run the WebAssembly SIMD kernels. */
  get usesWasm(): boolean {
    return this.wasm !== undefined;
  }

  /** Every worker runs `cmd` over its blocks; resolves when all are done. */
  private dispatch(cmd: 'assign' | 'final'): Promise<void> {
    const seq = ++this.seq;
    return Promise.all(
      this.workers.map(
        (w, i) =>
          new Promise<void>((resolve, reject) => {
            const onMessage = (got: number): void => {
              w.off('error', onError);
              if (got === seq) resolve();
              else reject(new Error(`k-means worker answered step ${got}, expected ${seq}`));
            };
            const onError = (e: Error): void => {
              w.off('message', onMessage);
              reject(e);
            };
            w.once('message', onMessage);
            w.once('error', onError);
            w.postMessage({ cmd, seq, b0: this.ranges[i][0], b1: this.ranges[i][1] });
          }),
      ),
    ).then(() => undefined);
  }

  /** Lloyd from `init` (k x d), exactly as `runLloydSync`. */
  async run(init: Float64Array, maxIter: number, tolAbs: number): Promise<LloydResult> {
    const k = this.k;
    const sums = new Float64Array(k * this.shm.cols);
    const counts = new Float64Array(k);
    const loop = lloydLoop(this.shm, init, k, maxIter, tolAbs, this.labels);
    let req = loop.next();
    while (!req.done) {
      const r = req.value;
      if (this.wasm !== undefined) this.wasm.setCenters(r.centers, r.kind === 'assign' ? r.halfNorms : undefined);
      else this.centers.set(r.centers);
      let answer: LloydAnswer;
      if (r.kind === 'assign') {
        if (this.wasm === undefined) this.halfNorms.set(r.halfNorms);
        await this.dispatch('assign');
        reduceBlocks(this.partSums, this.partCounts, this.nBlocks, k, this.shm.cols, sums, counts);
        let changed = 0;
        for (let b = 0; b < this.nBlocks; b++) changed += this.partScalar[b];
        answer = { sums, counts, changed, inertia: 0 };
      } else {
        await this.dispatch('final');
        let inertia = 0;
        for (let b = 0; b < this.nBlocks; b++) inertia += this.partScalar[b];
        answer = { sums, counts, changed: 0, inertia };
      }
      req = loop.next(answer);
    }
    const res = req.value;
    // the pool's label buffer is reused by the next run: hand out a private copy
    return { ...res, labels: Int32Array.from(res.labels) };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    this.workers.length = 0;
  }
}
