/**
 * One stage file: a small JSON header followed by raw binary segments (typed arrays as their
 * bytes, 8-byte aligned), written with replaceFileAtomically (temp file beside it, fsync, rename)
 * so a reader sees the old file or the complete new one, never a torn write. Files are 0600.
 *
 * Layout: "AUTOSEG1" | uint32 LE header length | uint32 0 | header JSON, padded to 8 | segments.
 * Reading allocates each segment's own ArrayBuffer and reads straight into it: no copy, no
 * misaligned views, no 2 GB single-buffer limit.
 */
import { open } from 'node:fs/promises';
import { replaceFileAtomically } from '../shared/atomicFile';

const MAGIC = Buffer.from('AUTOSEG1', 'latin1');
const PREFIX = 16;
const IO_CHUNK = 1 << 30;

/** Stage files and directories belong to the worker's user alone. */
export const STAGE_FILE_MODE = 0o600;
export const STAGE_DIR_MODE = 0o700;

export interface SegmentInfo {
  readonly offset: number;
  readonly byteLength: number;
}

interface Header<M> {
  readonly meta: M;
  readonly segments: readonly SegmentInfo[];
}

function pad8(n: number): number {
  return (n + 7) & ~7;
}

function bytesOf(view: ArrayBufferView): Buffer {
  return Buffer.from(view.buffer, view.byteOffset, view.byteLength);
}

/** Writes `meta` and `segments` to `path` atomically (temp file in the same directory, fsync, rename), mode 0600. */
export async function writeContainer<M>(path: string, meta: M, segments: readonly ArrayBufferView[]): Promise<void> {
  const infos: SegmentInfo[] = [];
  // The header's size depends on the offsets it lists; offsets are relative to the data start to break the cycle.
  let rel = 0;
  for (const s of segments) {
    infos.push({ offset: rel, byteLength: s.byteLength });
    rel = pad8(rel + s.byteLength);
  }
  const headerJson = Buffer.from(JSON.stringify({ meta, segments: infos } satisfies Header<M>), 'utf8');
  const dataStart = PREFIX + pad8(headerJson.length);
  const prefix = Buffer.alloc(PREFIX);
  MAGIC.copy(prefix, 0);
  prefix.writeUInt32LE(headerJson.length, 8);

  await replaceFileAtomically(
    path,
    async (tmp) => {
      // Created 0600: stage data holds full input rows (e-mails, ids); never readable by others.
      const handle = await open(tmp, 'wx', STAGE_FILE_MODE);
      try {
        let position = 0;
        const put = async (buf: Buffer): Promise<void> => {
          for (let off = 0; off < buf.length; off += IO_CHUNK) {
            const part = buf.subarray(off, Math.min(buf.length, off + IO_CHUNK));
            let done = 0;
            while (done < part.length) {
              const { bytesWritten } = await handle.write(part, done, part.length - done, position);
              done += bytesWritten;
              position += bytesWritten;
            }
          }
        };
        await put(prefix);
        await put(headerJson);
        await put(Buffer.alloc(dataStart - PREFIX - headerJson.length));
        for (let i = 0; i < segments.length; i++) {
          await put(bytesOf(segments[i]));
          await put(Buffer.alloc(pad8(segments[i].byteLength) - segments[i].byteLength));
        }
      } finally {
        await handle.close();
      }
    },
    { mode: STAGE_FILE_MODE, dirMode: STAGE_DIR_MODE },
  );
}

export interface Container<M> {
  readonly meta: M;
  /** Each segment in its own freshly allocated, 8-byte aligned ArrayBuffer. */
  readonly segments: readonly ArrayBuffer[];
}

/**
 * Where segment `index` (byteLength bytes) of a file with this meta is read to, or undefined
 * for a new ArrayBuffer; a placed segment appears in the result as an empty ArrayBuffer.
 */
export type PlaceSegment<M> = (meta: M, index: number, byteLength: number) => Uint8Array | undefined;

type FileHandle = Awaited<ReturnType<typeof open>>;

/** Fills `target` from `position` of the file, failing on a short file. */
async function readInto(handle: FileHandle, path: string, target: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < target.length) {
    const len = Math.min(IO_CHUNK, target.length - done);
    const { bytesRead } = await handle.read(target, done, len, position + done);
    if (bytesRead === 0) throw new Error(`stage file ${path} is truncated`);
    done += bytesRead;
  }
}

/** Opens a stage file and reads its header; `body` gets the header and the file offset where the segments start. */
async function withContainer<M, T>(path: string, body: (handle: FileHandle, header: Header<M>, dataStart: number) => Promise<T>): Promise<T> {
  const handle = await open(path, 'r');
  try {
    const prefix = Buffer.alloc(PREFIX);
    await readInto(handle, path, prefix, 0);
    if (!prefix.subarray(0, 8).equals(MAGIC)) throw new Error(`${path} is not an autoseg stage file`);
    const headerLength = prefix.readUInt32LE(8);
    const headerBytes = Buffer.alloc(headerLength);
    await readInto(handle, path, headerBytes, PREFIX);
    const header = JSON.parse(headerBytes.toString('utf8')) as Header<M>;
    return await body(handle, header, PREFIX + pad8(headerLength));
  } finally {
    await handle.close();
  }
}

export async function readContainer<M>(path: string, place?: PlaceSegment<M>): Promise<Container<M>> {
  return withContainer<M, Container<M>>(path, async (handle, header, dataStart) => {
    const segments: ArrayBuffer[] = [];
    for (const [index, s] of header.segments.entries()) {
      const target = place?.(header.meta, index, s.byteLength);
      if (target !== undefined && target.length !== s.byteLength) throw new RangeError(`segment ${index} of ${path} has ${s.byteLength} bytes, its place ${target.length}`);
      const buf = target === undefined ? new ArrayBuffer(s.byteLength) : new ArrayBuffer(0);
      await readInto(handle, path, target ?? new Uint8Array(buf), dataStart + s.offset);
      segments.push(buf);
    }
    return { meta: header.meta, segments };
  });
}

/** Bytes read at a time by {@link readContainerRows}. */
const ROWS_CHUNK = 1 << 20;

/**
 * Some rows of segment `index`, an array of fixed-size records (`rowBytes(meta)` bytes each):
 * the rows `choose(meta)` lists, in its order (repeats allowed), packed into one buffer. The
 * segment is read front to back in chunks of about 1 MB, keeping only the chosen rows, so a
 * sample of a large matrix never holds the matrix.
 */
export async function readContainerRows<M>(path: string, index: number, rowBytes: (meta: M) => number, choose: (meta: M) => Int32Array): Promise<{ meta: M; rows: Int32Array; bytes: Uint8Array }> {
  return withContainer<M, { meta: M; rows: Int32Array; bytes: Uint8Array }>(path, async (handle, header, dataStart) => {
    const seg = header.segments[index];
    const size = rowBytes(header.meta);
    const rows = choose(header.meta);
    const total = size > 0 ? Math.floor(seg.byteLength / size) : 0;
    for (const r of rows) if (!(r >= 0 && r < total)) throw new RangeError(`row ${r} is outside the ${total} rows of ${path}`);
    const out = new Uint8Array(rows.length * size);
    const order = Int32Array.from(rows.keys()).sort((a, b) => rows[a] - rows[b]);
    const perChunk = Math.max(1, Math.floor(ROWS_CHUNK / Math.max(1, size)));
    const chunk = new Uint8Array(perChunk * size);
    for (let q = 0; q < order.length;) {
      const first = rows[order[q]];
      const count = Math.min(perChunk, total - first);
      const view = chunk.subarray(0, count * size);
      await readInto(handle, path, view, dataStart + seg.offset + first * size);
      for (; q < order.length && rows[order[q]] < first + count; q++) out.set(view.subarray((rows[order[q]] - first) * size, (rows[order[q]] - first + 1) * size), order[q] * size);
    }
    return { meta: header.meta, rows, bytes: out };
  });
}
