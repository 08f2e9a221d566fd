/**
 * The part of the WebAssembly JS API the kernels use (the project's TypeScript lib has no DOM
 * types), and the one place that reaches it: every module here runs on a shared memory of whole
 * 64 KiB pages, so worker threads can instantiate the same module on the same rows.
 */
export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
}

export interface WasmApi {
  Memory: new (d: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  validate(bytes: Uint8Array): boolean;
}

/** Bytes of a WebAssembly memory page. */
const PAGE = 65536;

/**
 * Lays regions out one after the other from byte `start`, each 16-byte aligned (for v128
 * loads): take(bytes) returns a region's offset; pages() the whole pages they need so far.
 */
export function regionLayout(start = 0): { take(bytes: number): number; pages(): number } {
  let top = start;
  return {
    take(bytes) {
      const at = top;
      top = Math.ceil((top + bytes) / 16) * 16;
      return at;
    },
    pages: () => Math.max(1, Math.ceil(top / PAGE)),
  };
}

/** The runtime's WebAssembly API, or undefined where there is none. */
export const wasmApi: WasmApi | undefined = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;

/** A shared memory of `pages` pages (initial = maximum); throws a RangeError when it cannot be had. */
export function sharedMemory(pages: number): WasmMemory {
  if (wasmApi === undefined) throw new RangeError('no WebAssembly in this runtime');
  return new wasmApi.Memory({ initial: pages, maximum: pages, shared: true });
}

/** The exports of `bytes` instantiated on `memory` (imported as env.memory). */
export function instantiate<T>(bytes: Uint8Array, memory: WasmMemory): T {
  const api = wasmApi as WasmApi;
  return new api.Instance(new api.Module(bytes), { env: { memory } }).exports as T;
}
