/**
 * A minimal WebAssembly binary encoder: just what the k-means kernels need (one imported
 * shared memory, functions of i32/f64/v128 values, exports). Every instruction is written twice,
 * as bytes and as WebAssembly text (one instruction per line), so a test can assemble the text
 * with wabt and check that it gives the very same bytes.
 *
 * Only opcodes listed in OPS below are emitted; their numbers are those of the WebAssembly core
 * and fixed-width SIMD specifications.
 */

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';
const VALTYPE: Record<ValType, number> = { i32: 0x7f, i64: 0x7e, f32: 0x7d, f64: 0x7c, v128: 0x7b };

/** Unsigned LEB128. */
export function uleb(v: number): number[] {
  if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`uleb of ${v}`);
  const out: number[] = [];
  do {
    let b = v % 128;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 of a 32-bit integer. */
export function sleb(v: number): number[] {
  if (!Number.isInteger(v) || v < -(2 ** 31) || v >= 2 ** 31) throw new RangeError(`sleb of ${v}`);
  const out: number[] = [];
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

/** Instructions without immediates: text name -> opcode bytes. */
const OPS = {
  end: [0x0b],
  select: [0x1b],
  return: [0x0f],
  'i32.eq': [0x46],
  'i32.ne': [0x47],
  'i32.lt_s': [0x48],
  'i32.lt_u': [0x49],
  'i32.gt_u': [0x4b],
  'i32.ge_s': [0x4e],
  'i32.ge_u': [0x4f],
  'i32.and': [0x71],
  'i32.or': [0x72],
  'i32.add': [0x6a],
  'i32.sub': [0x6b],
  'i32.mul': [0x6c],
  'i32.ctz': [0x68],
  'i32.popcnt': [0x69],
  'i32.shl': [0x74],
  'f32.add': [0x92],
  'f32.mul': [0x94],
  'f64.eq': [0x61],
  'f64.lt': [0x63],
  'f64.add': [0xa0],
  'f64.sub': [0xa1],
  'f64.mul': [0xa2],
  'f64.gt': [0x64],
  'f64.sqrt': [0x9f],
  'f64.max': [0xa5],
  'f64.promote_f32': [0xbb],
  'i32.wrap_i64': [0xa7],
  'v128.bitselect': [0xfd, 0x52],
  'f64x2.splat': [0xfd, 0x14],
  'f64x2.lt': [0xfd, 0x49],
  'f64x2.add': [0xfd, 0xf0, 0x01],
  'f64x2.sub': [0xfd, 0xf1, 0x01],
  'f64x2.mul': [0xfd, 0xf2, 0x01],
  'f32x4.splat': [0xfd, 0x13],
  'f32x4.eq': [0xfd, 0x41],
  'f32x4.lt': [0xfd, 0x43],
  'f32x4.add': [0xfd, 0xe4, 0x01],
  'f32x4.sub': [0xfd, 0xe5, 0x01],
  'f32x4.mul': [0xfd, 0xe6, 0x01],
  'f32x4.pmin': [0xfd, 0xea, 0x01],
  'i32x4.bitmask': [0xfd, 0xa4, 0x01],
} as const;
export type Op = keyof typeof OPS;

/** Memory instructions: text name -> [opcode bytes, natural alignment log2]. */
const MEM_OPS = {
  'i32.load': [[0x28], 2],
  'f32.load': [[0x2a], 2],
  'f64.load': [[0x2b], 3],
  'i32.store': [[0x36], 2],
  'f64.store': [[0x39], 3],
  'v128.load': [[0xfd, 0x00], 4],
  'v128.load32_splat': [[0xfd, 0x09], 2],
  'v128.load64_splat': [[0xfd, 0x0a], 3],
  'v128.store': [[0xfd, 0x0b], 4],
} as const;
export type MemOp = keyof typeof MEM_OPS;

/** Lane instructions: text name -> opcode bytes (the lane index follows). */
const LANE_OPS = { 'i64x2.extract_lane': [0xfd, 0x1d], 'f32x4.extract_lane': [0xfd, 0x1f], 'f64x2.extract_lane': [0xfd, 0x21] } as const;
export type LaneOp = keyof typeof LANE_OPS;

let recordText = false;

/**
 * Runs `build` with every FnBuilder made meanwhile recording its instructions' text as well as
 * their bytes, for {@link moduleWat}. Off otherwise: formatting the text took longer than
 * encoding (a wide shape's module has some 100,000 instructions, one per k scored).
 */
export function withText<T>(build: () => T): T {
  const was = recordText;
  recordText = true;
  try {
    return build();
  } finally {
    recordText = was;
  }
}

/** Appends v as unsigned LEB128. */
function pushUleb(out: number[], v: number): void {
  for (;;) {
    const b = v & 0x7f;
    v >>>= 7;
    if (v === 0) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

/** The body of one function: bytes (and, within {@link withText}, text), built instruction by instruction. */
export class FnBuilder {
  readonly bytes: number[] = [];
  readonly text: string[] = [];
  private readonly locals: ValType[] = [];
  private readonly textOn = recordText;

  constructor(
    readonly params: readonly ValType[],
    readonly result: ValType | null,
  ) {}

  /** Declares a local and returns its index (params come first). */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  private put(text: string, ...bytes: number[]): this {
    for (const b of bytes) this.bytes.push(b);
    if (this.textOn) this.text.push(text);
    return this;
  }

  /** An instruction of one opcode byte and an unsigned immediate (local and branch indices). */
  private withIndex(name: string, code: number, i: number): this {
    this.bytes.push(code);
    pushUleb(this.bytes, i);
    if (this.textOn) this.text.push(`${name} ${i}`);
    return this;
  }

  op(name: Op): this {
    const code = OPS[name];
    for (let q = 0; q < code.length; q++) this.bytes.push(code[q]);
    if (this.textOn) this.text.push(name);
    return this;
  }
  get(i: number): this {
    return this.withIndex('local.get', 0x20, i);
  }
  set(i: number): this {
    return this.withIndex('local.set', 0x21, i);
  }
  tee(i: number): this {
    return this.withIndex('local.tee', 0x22, i);
  }
  i32(v: number): this {
    return this.put(this.textOn ? `i32.const ${v}` : '', 0x41, ...sleb(v));
  }

  f64(v: number): this {
    const b = new Uint8Array(new Float64Array([v]).buffer);
    return this.put(this.textOn ? `f64.const ${v === Infinity ? 'inf' : v}` : '', 0x44, ...b);
  }

  f32(v: number): this {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.put(this.textOn ? `f32.const ${v === Infinity ? 'inf' : v}` : '', 0x43, ...b);
  }

  /** v128.const from two i64 lanes (small non-negative integers). */
  i64x2(a: number, b: number): this {
    const buf = new BigInt64Array([BigInt(a), BigInt(b)]);
    return this.put(this.textOn ? `v128.const i64x2 ${a} ${b}` : '', 0xfd, 0x0c, ...new Uint8Array(buf.buffer));
  }

  /** Memory access at address (top of stack) + offset, natural alignment. */
  mem(name: MemOp, offset: number): this {
    const [code, align] = MEM_OPS[name];
    for (let q = 0; q < code.length; q++) this.bytes.push(code[q]);
    this.bytes.push(align);
    pushUleb(this.bytes, offset);
    if (this.textOn) this.text.push(offset === 0 ? name : `${name} offset=${offset}`);
    return this;
  }

  lane(name: LaneOp, lane: number): this {
    return this.put(this.textOn ? `${name} ${lane}` : '', ...LANE_OPS[name], lane);
  }
  block(): this {
    return this.put('block', 0x02, 0x40);
  }
  loop(): this {
    return this.put('loop', 0x03, 0x40);
  }
  br(depth: number): this {
    return this.withIndex('br', 0x0c, depth);
  }
  brIf(depth: number): this {
    return this.withIndex('br_if', 0x0d, depth);
  }
  /** `if` producing one value of type t; close with elseBranch() and op('end'). */
  ifResult(t: ValType): this {
    return this.put(this.textOn ? `if (result ${t})` : '', 0x04, VALTYPE[t]);
  }
  /** `if` without a value; close with op('end') (optionally elseBranch() first). */
  ifVoid(): this {
    return this.put('if', 0x04, 0x40);
  }
  elseBranch(): this {
    return this.put('else', 0x05);
  }
  /** Calls function `index` of the module (functions are numbered in the order given to encodeModule). */
  call(index: number): this {
    return this.withIndex('call', 0x10, index);
  }
  /** i8x16.shuffle of the two v128 on the stack by 16 lane indices (0-31). */
  shuffle(lanes: readonly number[]): this {
    if (lanes.length !== 16 || lanes.some((l) => !Number.isInteger(l) || l < 0 || l > 31)) throw new RangeError(`shuffle lanes ${lanes.join(',')}`);
    return this.put(this.textOn ? `i8x16.shuffle ${lanes.join(' ')}` : '', 0xfd, 0x0d, ...lanes);
  }

  /** The code-section entry: locals (runs of one type, in order) and the body with its final `end`. */
  encode(): Uint8Array {
    const runs: Array<[number, ValType]> = [];
    for (const t of this.locals) {
      const last = runs[runs.length - 1];
      if (last !== undefined && last[1] === t) last[0]++;
      else runs.push([1, t]);
    }
    const head = uleb(runs.length);
    for (const [count, t] of runs) head.push(...uleb(count), VALTYPE[t]);
    const size = head.length + this.bytes.length + 1;
    return concat(uleb(size), head, this.bytes, [0x0b]);
  }

  /** The function as WebAssembly text (`(func ...)` without a name). */
  wat(exportName: string): string {
    if (!this.textOn) throw new Error('FnBuilder.wat: build the function inside withText()');
    const sig = this.params.map((t) => `(param ${t})`).join(' ') + (this.result ? ` (result ${this.result})` : '');
    const locs = this.locals.map((t) => ` (local ${t})`).join('');
    return `  (func (export "${exportName}") ${sig}${locs}\n    ${this.text.join('\n    ')})`;
  }
}

/**
 * The parts one after the other in one new array, each copied once by `set`: the code section of
 * a wide shape is a few hundred thousand bytes, too many to push one by one (or to spread).
 */
function concat(...parts: ReadonlyArray<ArrayLike<number>>): Uint8Array {
  let size = 0;
  for (const part of parts) size += part.length;
  const out = new Uint8Array(size);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function section(id: number, content: Uint8Array): Uint8Array {
  return concat([id], uleb(content.length), content);
}

function vec(items: ReadonlyArray<ArrayLike<number>>): Uint8Array {
  return concat(uleb(items.length), ...items);
}

function name(s: string): number[] {
  const b = Buffer.from(s, 'utf8');
  return [...uleb(b.length), ...b];
}

/** The imported memory's limits in 64 KiB pages: any shared memory up to the wasm32 maximum fits. */
export const MIN_PAGES = 1;
export const MAX_PAGES = 65536;

/**
 * A module that imports `env.memory` (shared, MIN_PAGES..MAX_PAGES) and exports the given
 * functions under their names. Functions of the same signature share a type.
 */
export function encodeModule(fns: ReadonlyArray<{ name: string; fn: FnBuilder }>): Uint8Array {
  // one type per distinct signature, in order of first use (as wabt assembles the text)
  const types: number[][] = [];
  const typeOf = fns.map(({ fn }) => {
    const t = [0x60, ...vec(fn.params.map((v) => [VALTYPE[v]])), ...vec(fn.result ? [[VALTYPE[fn.result]]] : [])];
    let at = types.findIndex((u) => u.length === t.length && u.every((b, q) => b === t[q]));
    if (at < 0) at = types.push(t) - 1;
    return at;
  });
  const memImport = [...name('env'), ...name('memory'), 0x02, 0x03, ...uleb(MIN_PAGES), ...uleb(MAX_PAGES)];
  return concat(
    [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
    section(1, vec(types)),
    section(2, vec([memImport])),
    section(3, vec(typeOf.map((t) => uleb(t)))),
    section(7, vec(fns.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]))),
    section(10, vec(fns.map(({ fn }) => fn.encode()))),
  );
}

/** The same module as WebAssembly text. */
export function moduleWat(fns: ReadonlyArray<{ name: string; fn: FnBuilder }>): string {
  return `(module\n  (import "env" "memory" (memory ${MIN_PAGES} ${MAX_PAGES} shared))\n${fns.map((f) => f.fn.wat(f.name)).join('\n')})\n`;
}
