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

export async function readContainer<M>(path: string): Promise<Container<M>> {
  const handle = await open(path, 'r');
  try {
    const readInto = async (target: Uint8Array, position: number): Promise<void> => {
      let done = 0;
      while (done < target.length) {
        const len = Math.min(IO_CHUNK, target.length - done);
        const { bytesRead } = await handle.read(target, done, len, position + done);
        if (bytesRead === 0) throw new Error(`stage file ${path} is truncated`);
        done += bytesRead;
      }
    };
    const prefix = Buffer.alloc(PREFIX);
    await readInto(prefix, 0);
    if (!prefix.subarray(0, 8).equals(MAGIC)) throw new Error(`${path} is not an autoseg stage file`);
    const headerLength = prefix.readUInt32LE(8);
    const headerBytes = Buffer.alloc(headerLength);
    await readInto(headerBytes, PREFIX);
    const header = JSON.parse(headerBytes.toString('utf8')) as Header<M>;
    const dataStart = PREFIX + pad8(headerLength);
    const segments: ArrayBuffer[] = [];
    for (const s of header.segments) {
      const buf = new ArrayBuffer(s.byteLength);
      await readInto(new Uint8Array(buf), dataStart + s.offset);
      segments.push(buf);
    }
    return { meta: header.meta, segments };
  } finally {
    await handle.close();
  }
}
