/**
 * One thread's instance of a kernel module (kernels.ts) on a WasmMatrix's shared memory
 * (engine.ts): runs a block of rows and leaves its partial results in the memory, so the Lloyd
 * engine on the calling thread and each worker thread (lloydParallel.ts) run the same code.
 */
import { instantiate, type WasmMemory } from './api';
import type { WasmLayout } from './engine';

/** Exported functions of a kernel instance. */
interface KernelExports {
  lloyd(x: number, cl: number, labels: number, start: number, end: number, sums: number, counts: number): number;
  nearest(x: number, cn: number, labels: number, start: number, end: number): number;
  finalBounds?(x: number, cn: number, labels: number, start: number, end: number): number;
}

/** One thread's instance: runs a block and leaves its partial results in the memory. */
export class WasmKernels {
  private readonly fns: KernelExports;
  private readonly partSums: Float64Array;
  private readonly partCounts: Float64Array;

  constructor(
    memory: WasmMemory,
    private readonly layout: WasmLayout,
    moduleBytes: Uint8Array,
  ) {
    this.fns = instantiate<KernelExports>(moduleBytes, memory);
    this.partSums = new Float64Array(memory.buffer, layout.partSums, layout.nBlocks * layout.k * layout.d);
    this.partCounts = new Float64Array(memory.buffer, layout.partCounts, layout.nBlocks * layout.k);
  }

  /** Lloyd assignment of block b; its sums and counts go to the block's partial slots. Returns changed labels. */
  lloydBlock(b: number): number {
    const L = this.layout;
    const kd = L.k * L.d;
    this.partSums.fill(0, b * kd, b * kd + kd);
    this.partCounts.fill(0, b * L.k, b * L.k + L.k);
    const start = b * L.block;
    const end = Math.min(L.n, start + L.block);
    return this.fns.lloyd(L.x, L.cl, L.labels, start, end, L.partSums + b * kd * 8, L.partCounts + b * L.k * 8);
  }

  /** {@link nearestBlock}'s labels and inertia from the bounds (finalBounds.ts; {@link WasmMatrix.boundsCurrent} must hold). */
  finalBlock(b: number): number {
    const L = this.layout;
    const start = b * L.block;
    const run = this.fns.finalBounds;
    if (run === undefined) throw new Error('finalBlock: this shape keeps no distance bounds');
    return run(L.x, L.cn, L.labels, start, Math.min(L.n, start + L.block));
  }

  /** Exact nearest centroid of block b; returns the block's inertia. */
  nearestBlock(b: number): number {
    const L = this.layout;
    const start = b * L.block;
    return this.nearestRows(start, Math.min(L.n, start + L.block));
  }

  /** Exact nearest centroid of the rows [start, end); returns their inertia (rows in order). */
  nearestRows(start: number, end: number): number {
    const L = this.layout;
    return this.fns.nearest(L.x, L.cn, L.labels, start, end);
  }
}
