/**
 * The one write-to-temp-then-rename helper: a reader (or a crashed-and-retried activity) finds
 * the old file or the complete new one, never a torn write. The temp file sits beside the target
 * (same filesystem, so the rename is atomic), is fsynced before the rename, and is removed if
 * anything fails. `mode` applies to the new file (e.g. 0o600 for stage data).
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

export interface AtomicWriteOptions {
  /** Permission bits of the new file; default 0o644 less the umask. */
  readonly mode?: number;
  /** Permission bits of directories created on the way; default 0o755 less the umask. */
  readonly dirMode?: number;
}

/**
 * Calls `write(tmpPath)` to produce the content at a temp path beside `path`, then fsyncs it and
 * renames it over `path`.
 */
export async function replaceFileAtomically(path: string, write: (tmpPath: string) => Promise<void>, options: AtomicWriteOptions = {}): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, ...(options.dirMode !== undefined ? { mode: options.dirMode } : {}) });
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await write(tmp);
    if (options.mode !== undefined) await chmod(tmp, options.mode);
    const handle = await open(tmp, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/** Writes `data` to `path` atomically (see replaceFileAtomically). */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  await replaceFileAtomically(path, (tmp) => writeFile(tmp, data, options.mode !== undefined ? { mode: options.mode } : {}), options);
}
