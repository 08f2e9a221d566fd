/**
 * The stage store: each run's intermediate data on a directory shared by the workers, so
 * activities pass small references instead of large payloads. Keyed by run id and stage name:
 * a retried activity finds its input where the previous stage left it and overwrites its own
 * output atomically (see container.ts). Numbers are stored as raw typed-array bytes, never JSON.
 *
 * Layout: <dir>/<run id, escaped>/<stage>.<kind>.bin, plus `_layout.json.bin`, the
 * STAGE_LAYOUT_VERSION of the worker that created the run's directory.
 */
import { chmod, lstat, mkdir, readdir, rm, stat } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import type { ColumnarTable, InputColumn } from '../segmentation/table';
import type { Matrix } from '../segmentation/matrix';
import { STAGE_DIR_MODE, readContainer, readContainerRows, writeContainer, type PlaceSegment } from './container';
import { decodeStrings, encodeStrings, SEGMENTS_OF, type StringEncoding } from './string-encoding';

/** This user, for the default directory's name: the numeric uid, else the user name. */
function userTag(): string {
  const uid = process.getuid?.();
  if (uid !== undefined) return String(uid);
  try {
    return userInfo().username.replace(/[^A-Za-z0-9_.-]/g, '_') || 'user';
  } catch {
    return 'user';
  }
}

/**
 * AUTOSEG_STAGE_DIR, else a directory of this user's own in the OS temp dir
 * (`autoseg-stage-<uid>`): stage data holds full input rows and must not be shared between users.
 */
export function defaultStageDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AUTOSEG_STAGE_DIR && env.AUTOSEG_STAGE_DIR !== '' ? env.AUTOSEG_STAGE_DIR : join(tmpdir(), `autoseg-stage-${userTag()}`);
}

/** A stage directory this process must not use: owned by another user, or not a directory. */
export class StageDirError extends Error {
  override readonly name = 'StageDirError';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Makes `dir` a directory only this user can enter: created 0700; an existing one of ours with
 * looser permissions is tightened to 0700; one owned by another user (or a symlink planted by
 * one) is refused, since that user could read or replace the run data in it.
 */
async function secureDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: STAGE_DIR_MODE });
  const uid = process.getuid?.();
  const link = await lstat(dir);
  const info: Stats = link.isSymbolicLink() ? await stat(dir) : link;
  if (!info.isDirectory()) throw new StageDirError(dir, `stage directory ${dir} is not a directory: set AUTOSEG_STAGE_DIR to a directory of your own`);
  if (uid !== undefined) {
    for (const [what, st] of [
      ['symlink', link],
      ['directory', info],
    ] as const) {
      if (st.uid !== uid) {
        throw new StageDirError(
          dir,
          `stage ${what} ${dir} belongs to uid ${st.uid}, not to this user (uid ${uid}): another user could read or replace run data there; remove it or set AUTOSEG_STAGE_DIR to a directory of your own`,
        );
      }
    }
  }
  if ((info.mode & 0o077) !== 0) await chmod(dir, STAGE_DIR_MODE);
}

type Kind = 'table' | 'matrix' | 'labels' | 'json' | 'strings';

type ColumnMeta =
  | { readonly name: string; readonly kind: 'numeric'; readonly sourceType?: string }
  | { readonly name: string; readonly kind: 'categorical'; readonly sourceType?: string; readonly encoding: StringEncoding }
  | { readonly name: string; readonly kind: 'counted'; readonly sourceType?: string; readonly distinctCount: number; readonly nullCount: number };

interface TableMeta {
  readonly name: string;
  readonly rowCount: number;
  readonly columns: readonly ColumnMeta[];
}

/** Run ids come from callers (workflow ids may hold `/` or `:`): escape to one safe path segment. */
function runDirName(runId: string): string {
  if (typeof runId !== 'string' || runId.length === 0) throw new Error('runId must be a non-empty string');
  return runId.replace(/[^A-Za-z0-9_-]/g, (ch) => `~${ch.codePointAt(0)!.toString(16)}~`);
}

/** The run id a directory name stands for, or undefined for a name runDirName never makes. */
function runIdOf(name: string): string | undefined {
  if (!/^(?:[A-Za-z0-9_-]|~[0-9a-f]+~)+$/.test(name)) return undefined;
  return name.replace(/~([0-9a-f]+)~/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)));
}

function checkStage(stage: string): string {
  if (!/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/.test(stage)) throw new Error(`stage name ${JSON.stringify(stage)} must be letters, digits, . _ - (not starting with .)`);
  return stage;
}

/**
 * The version of what the stages hold and where (bump it when an activity reads a stage
 * differently, e.g. when the user ids moved into a stage of their own): a worker that meets a
 * run whose stage data another layout wrote fails that stage at once (StageLayoutError,
 * non-retryable) instead of misreading it. A run directory without the file predates versions
 * and is read as is.
 */
export const STAGE_LAYOUT_VERSION = 3;
const LAYOUT_STAGE = '_layout';

export class StageLayoutError extends Error {
  override readonly name = 'StageLayoutError';
  constructor(
    readonly runId: string,
    readonly found: number,
    readonly expected: number,
  ) {
    super(`the stage data of run ${runId} was written with stage layout v${found}, but this worker reads v${expected}: finish that run with workers of the version that started it, or start it again`);
  }
}

export class StageNotFoundError extends Error {
  override readonly name = 'StageNotFoundError';
  constructor(
    readonly runId: string,
    readonly stage: string,
    readonly path: string,
  ) {
    super(`stage ${stage} of run ${runId} not found (${path})`);
  }
}

export class StageStore {
  private secured?: Promise<void>;
  private readonly securedRuns = new Set<string>();
  private readonly layoutChecked = new Set<string>();

  constructor(readonly dir: string = defaultStageDir()) {}

  /** The store's directory, created 0700 and checked to be this user's own (once per store). */
  private ensureDir(): Promise<void> {
    this.secured ??= secureDir(this.dir).catch((err: unknown) => {
      this.secured = undefined; // checked again next time (an operator may fix it)
      throw err;
    });
    return this.secured;
  }

  /** The file holding `stage` of `runId` (exposed for diagnostics). */
  pathOf(runId: string, stage: string, kind: Kind): string {
    return join(this.dir, runDirName(runId), `${checkStage(stage)}.${kind}.bin`);
  }

  private async prepare(runId: string, stage: string, kind: Kind): Promise<string> {
    const path = this.pathOf(runId, stage, kind);
    await this.ensureDir();
    const runDir = join(this.dir, runDirName(runId));
    if (!this.securedRuns.has(runDir)) {
      const created = await mkdir(runDir, { mode: STAGE_DIR_MODE }).then(
        () => true,
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'EEXIST') return false;
          throw err;
        },
      );
      // A run directory left by an older autoseg (0755): tighten it.
      if (!created) await secureDir(runDir);
      else await writeContainer(this.pathOf(runId, LAYOUT_STAGE, 'json'), {}, [Buffer.from(JSON.stringify({ version: STAGE_LAYOUT_VERSION }), 'utf8')]);
      this.securedRuns.add(runDir);
    }
    await this.checkLayout(runId);
    return path;
  }

  /** Throws StageLayoutError when the run's stage data has another layout (once per run and store). */
  private async checkLayout(runId: string): Promise<void> {
    if (this.layoutChecked.has(runId)) return;
    const found = await readContainer<Record<string, never>>(this.pathOf(runId, LAYOUT_STAGE, 'json')).then(
      (c) => (JSON.parse(Buffer.from(c.segments[0]).toString('utf8')) as { version: number }).version,
      (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') return undefined;
        throw err;
      },
    );
    if (found !== undefined && found !== STAGE_LAYOUT_VERSION) throw new StageLayoutError(runId, found, STAGE_LAYOUT_VERSION);
    this.layoutChecked.add(runId);
  }

  /** Reads a stage file; a missing one is a StageNotFoundError naming the run and stage. */
  private async read<M>(runId: string, stage: string, kind: Kind, place?: PlaceSegment<M>): ReturnType<typeof readContainer<M>> {
    const path = this.pathOf(runId, stage, kind);
    return this.readFile(path, runId, stage, () => readContainer<M>(path, place));
  }

  /** Runs `read` on the stage file at `path` of the run (checked first), a missing file as StageNotFoundError. */
  private async readFile<T>(path: string, runId: string, stage: string, read: () => Promise<T>): Promise<T> {
    await this.ensureDir();
    await this.checkLayout(runId);
    try {
      return await read();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new StageNotFoundError(runId, stage, path);
      throw err;
    }
  }

  async putTable(runId: string, stage: string, table: ColumnarTable): Promise<void> {
    const segments: ArrayBufferView[] = [];
    const columns: ColumnMeta[] = [];
    for (const c of table.columns) {
      if (c.kind === 'counted') {
        columns.push({ name: c.name, kind: 'counted', sourceType: c.sourceType, distinctCount: c.distinctCount, nullCount: c.nullCount });
        continue;
      }
      if (c.values.length !== table.rowCount) throw new Error(`column ${c.name} has ${c.values.length} values, table has ${table.rowCount} rows`);
      if (c.kind === 'numeric') {
        segments.push(c.values, c.nulls);
        columns.push({ name: c.name, kind: 'numeric', sourceType: c.sourceType });
      } else {
        const encoded = encodeStrings(c.values);
        segments.push(...encoded.segments);
        columns.push({ name: c.name, kind: 'categorical', sourceType: c.sourceType, encoding: encoded.encoding });
      }
    }
    await writeContainer<TableMeta>(await this.prepare(runId, stage, 'table'), { name: table.name, rowCount: table.rowCount, columns }, segments);
  }

  async getTable(runId: string, stage: string): Promise<ColumnarTable> {
    const { meta, segments } = await this.read<TableMeta>(runId, stage, 'table');
    let next = 0; // each column's segments in column order: none for a counted one
    const take = (count: number): ArrayBuffer[] => segments.slice(next, (next += count));
    const columns: InputColumn[] = meta.columns.map((c) => {
      const sourceType = c.sourceType === undefined ? {} : { sourceType: c.sourceType };
      if (c.kind === 'counted') return { name: c.name, kind: 'counted', ...sourceType, distinctCount: c.distinctCount, nullCount: c.nullCount };
      if (c.kind === 'categorical') return { name: c.name, kind: 'categorical', ...sourceType, values: decodeStrings(c.encoding, take(SEGMENTS_OF[c.encoding])) };
      const [a, b] = take(2);
      return { name: c.name, kind: 'numeric', ...sourceType, values: new Float64Array(a), nulls: new Uint8Array(b) };
    });
    return { name: meta.name, rowCount: meta.rowCount, columns };
  }

  async putMatrix(runId: string, stage: string, m: Matrix): Promise<void> {
    if (m.data.length !== m.rows * m.cols) throw new Error(`matrix data has ${m.data.length} values, expected ${m.rows} x ${m.cols}`);
    await writeContainer(await this.prepare(runId, stage, 'matrix'), { rows: m.rows, cols: m.cols }, [m.data]);
  }

  /**
   * The staged matrix; with `allocate`, its values are read into the array that returns for its
   * shape (e.g. memory a k-means engine uses in place, kmeans.ts `kmeansStorage`).
   */
  async getMatrix(runId: string, stage: string, allocate?: (rows: number, cols: number) => Float64Array): Promise<Matrix> {
    let data: Float64Array | undefined;
    const place: PlaceSegment<{ rows: number; cols: number }> = (meta, index) => {
      if (allocate === undefined || index !== 0) return undefined;
      data = allocate(meta.rows, meta.cols);
      return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    };
    const { meta, segments } = await this.read<{ rows: number; cols: number }>(runId, stage, 'matrix', place);
    return { rows: meta.rows, cols: meta.cols, data: data ?? new Float64Array(segments[0]) };
  }

  /**
   * The rows of the staged matrix that `choose` picks for its shape (in that order), or all of
   * them when it returns undefined; a sample is read without holding the whole matrix.
   */
  async getMatrixRows(runId: string, stage: string, choose: (rows: number, cols: number) => Int32Array | undefined): Promise<Matrix> {
    type Meta = { rows: number; cols: number };
    const path = this.pathOf(runId, stage, 'matrix');
    let all = false;
    const picked = await this.readFile(path, runId, stage, () =>
      readContainerRows<Meta>(
        path,
        0,
        (meta) => meta.cols * 8,
        (meta) => {
          const rows = choose(meta.rows, meta.cols);
          all = rows === undefined;
          return rows ?? new Int32Array(0);
        },
      ),
    );
    if (all) return this.getMatrix(runId, stage);
    const { meta, rows, bytes } = picked;
    return { rows: rows.length, cols: meta.cols, data: new Float64Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 8) };
  }

  async putLabels(runId: string, stage: string, labels: Int32Array): Promise<void> {
    await writeContainer(await this.prepare(runId, stage, 'labels'), { length: labels.length }, [labels]);
  }

  async getLabels(runId: string, stage: string): Promise<Int32Array> {
    const { segments } = await this.read<{ length: number }>(runId, stage, 'labels');
    return new Int32Array(segments[0]);
  }

  /** A list of strings (e.g. the user ids), stored as a table column is. */
  async putStrings(runId: string, stage: string, values: ReadonlyArray<string | null>): Promise<void> {
    const { encoding, segments } = encodeStrings(values);
    await writeContainer(await this.prepare(runId, stage, 'strings'), { encoding }, segments);
  }

  async getStrings(runId: string, stage: string): Promise<(string | null)[]> {
    const { meta, segments } = await this.read<{ encoding: StringEncoding }>(runId, stage, 'strings');
    return decodeStrings(meta.encoding, segments);
  }

  async putJson(runId: string, stage: string, value: unknown): Promise<void> {
    const text = JSON.stringify(value);
    if (text === undefined) throw new Error(`stage ${stage}: value is not JSON-serialisable`);
    await writeContainer(await this.prepare(runId, stage, 'json'), {}, [Buffer.from(text, 'utf8')]);
  }

  async getJson<T = unknown>(runId: string, stage: string): Promise<T> {
    const { segments } = await this.read<Record<string, never>>(runId, stage, 'json');
    return JSON.parse(Buffer.from(segments[0]).toString('utf8')) as T;
  }

  /** Whether a stage's output of this kind exists (a retried activity may skip work it already finished). */
  async has(runId: string, stage: string, kind: Kind): Promise<boolean> {
    return stat(this.pathOf(runId, stage, kind)).then(
      () => true,
      () => false,
    );
  }

  /** Deletes everything stored for the run; a no-op when nothing is there. */
  async remove(runId: string): Promise<void> {
    const runDir = join(this.dir, runDirName(runId));
    this.securedRuns.delete(runDir);
    this.layoutChecked.delete(runId);
    await rm(runDir, { recursive: true, force: true });
  }

  /** The ids of the runs that have data in the store (e.g. to clean up after failed runs). */
  async list(): Promise<string[]> {
    const entries = await readdir(this.dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT') return [];
      throw err;
    });
    return entries
      .filter((e) => e.isDirectory())
      .map((e) => runIdOf(e.name))
      .filter((id): id is string => id !== undefined)
      .sort();
  }
}
