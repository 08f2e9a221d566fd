/**
 * Which files a run may touch on the worker. A file source or a directory output names a path
 * on the machine that runs the activities; a caller holding a trigger token (or starting the
 * workflow from another team's code) is untrusted, so such paths are accepted only under the
 * roots an operator configured:
 *
 * - `AUTOSEG_FILE_ROOTS`: directories separated by `:` (PATH style). Unset or empty: no file
 *   access at all for the HTTP trigger, schedules and shared workers (`autoseg worker`).
 * - the CLI's own embedded worker (`autoseg run` without TEMPORAL_ADDRESS) serves only the user
 *   who typed the command, so it may read and write any path that user can.
 *
 * Paths are checked after resolving symlinks and `..` (physically, as the kernel would), so a
 * symlink inside a root that points outside it is refused.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';

export type FileAccess = { readonly kind: 'any' } | { readonly kind: 'roots'; readonly roots: readonly string[] };

export const ANY_FILE: FileAccess = { kind: 'any' };

export function fileAccessFromEnv(env: NodeJS.ProcessEnv = process.env): FileAccess {
  const roots = (env.AUTOSEG_FILE_ROOTS ?? '')
    .split(':')
    .map((r) => r.trim())
    .filter((r) => r.length > 0);
  return { kind: 'roots', roots };
}

/** A path outside the configured roots, or an output directory holding unrelated files. */
export class FileAccessError extends Error {
  override readonly name = 'FileAccessError';
  constructor(
    readonly code: 'FILE_NOT_ALLOWED' | 'OUTPUT_DIR_NOT_EMPTY',
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/**
 * The physical path of `path`: symlinks and `..` resolved by the filesystem for the part that
 * exists; a part that does not exist yet may not contain `..` (it cannot be resolved safely).
 */
export async function physicalPath(path: string): Promise<string> {
  const abs = isAbsolute(path) ? path : join(process.cwd(), path);
  try {
    return await realpath(abs);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT' && (err as NodeJS.ErrnoException).code !== 'ENOTDIR') throw err;
  }
  const parent = dirname(abs);
  const name = basename(abs);
  if (parent === abs) return abs;
  if (name === '..' || name === '.') throw new FileAccessError('FILE_NOT_ALLOWED', `path ${path} goes through a directory that does not exist`, path);
  return join(await physicalPath(parent), name);
}

function within(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Checks that `path` lies under one of the roots (after resolving symlinks and `..`) and returns
 * its physical path; throws FileAccessError naming the path and what to do otherwise.
 */
export async function confinePath(path: string, access: FileAccess, what: string): Promise<string> {
  if (access.kind === 'any') return physicalPath(path);
  if (access.roots.length === 0) {
    throw new FileAccessError('FILE_NOT_ALLOWED', `${what} ${path} refused: this service has no file access (an operator can allow directories with AUTOSEG_FILE_ROOTS)`, path);
  }
  if (!isAbsolute(path)) {
    throw new FileAccessError('FILE_NOT_ALLOWED', `${what} ${path} refused: give an absolute path under an allowed directory (AUTOSEG_FILE_ROOTS)`, path);
  }
  const physical = await physicalPath(path);
  for (const root of access.roots) {
    const realRoot = await physicalPath(resolve(root));
    if (within(realRoot, physical)) return physical;
  }
  throw new FileAccessError('FILE_NOT_ALLOWED', `${what} ${path} refused: it is not under an allowed directory (AUTOSEG_FILE_ROOTS)`, path);
}

/** The file in an output directory that marks it as autoseg's own. */
export const OUTPUT_MARKER = '.autoseg-output';

/** The files autoseg writes into an output directory (an older autoseg wrote no marker). */
const OUTPUT_FILES = new Set(['segments.csv', 'model.json', 'summary.json', 'report.html', OUTPUT_MARKER]);

/**
 * An output directory is written only when it does not exist, is empty, or already holds an
 * autoseg output (its marker, or nothing but autoseg's own files): never over unrelated files.
 */
export async function checkOutputDir(dir: string): Promise<void> {
  const info = await stat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    throw err;
  });
  if (info === null) return;
  if (!info.isDirectory()) throw new FileAccessError('OUTPUT_DIR_NOT_EMPTY', `output directory ${dir} is a file: name a directory`, dir);
  const entries = await readdir(dir);
  if (entries.length === 0 || entries.includes(OUTPUT_MARKER)) return;
  const foreign = entries.filter((e) => !OUTPUT_FILES.has(e) && !e.startsWith('.'));
  if (foreign.length === 0) return;
  throw new FileAccessError(
    'OUTPUT_DIR_NOT_EMPTY',
    `output directory ${dir} holds files autoseg did not write (${foreign.slice(0, 3).join(', ')}${foreign.length > 3 ? ', ...' : ''}): name an empty or new directory, or one a previous autoseg run wrote`,
    dir,
  );
}
