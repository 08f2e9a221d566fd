/**
 * What every activity shares: the stage store, the warehouses, heartbeats, cancellation, and
 * the one place where errors become Temporal failures (classified, secrets redacted).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { OutputSpec, SourceSpec } from '../config/runConfig';
import { ANY_FILE, fileAccessFromEnv, type FileAccess } from '../config/fileAccess';
import { redact } from '../shared/redact';
import { StageStore } from '../stage';
import { DuckDBWarehouse } from '../warehouse/duckdb';
import { TrinoWarehouse } from '../warehouse/trino';
import type { Source, Warehouse } from '../warehouse/warehouse';

/** The stage store of this worker (AUTOSEG_STAGE_DIR or a per-user directory under the OS temp dir). */
export function stageStore(): StageStore {
  return new StageStore();
}

let fileAccess: FileAccess | undefined;

/**
 * Which paths this worker's activities may read and write. A shared worker (`autoseg worker`)
 * serves untrusted callers: AUTOSEG_FILE_ROOTS, none by default. The CLI's embedded worker
 * serves only the user who ran the command and sets ANY_FILE.
 */
export function setFileAccess(access: FileAccess): void {
  fileAccess = access;
}

export function workerFileAccess(): FileAccess {
  return fileAccess ?? fileAccessFromEnv();
}

export { ANY_FILE };

/** A warehouse for a source or output: files go to the embedded DuckDB, tables to Trino. */
export function warehouseFor(spec: SourceSpec | OutputSpec): Warehouse {
  return spec.kind === 'file' || spec.kind === 'dir' ? new DuckDBWarehouse() : new TrinoWarehouse();
}

export function toSource(spec: SourceSpec): Source {
  return spec.kind === 'file' ? { kind: 'file', path: spec.path, ...(spec.table ? { table: spec.table } : {}) } : spec;
}

function currentContext(): Context | undefined {
  try {
    return Context.current();
  } catch {
    return undefined; // not inside an activity (library use, tests)
  }
}

/** The latest details each running activity reported (withHeartbeat's timer resends them, not its own). */
const latestDetails = new WeakMap<object, unknown>();

/** Records progress with the server; safe outside an activity (library use, tests). */
export function heartbeat(details?: unknown): void {
  const ctx = currentContext();
  if (ctx === undefined) return;
  latestDetails.set(ctx, details);
  ctx.heartbeat(details);
}

/** The activity's cancellation signal (never aborts outside an activity). */
export function cancellationSignal(): AbortSignal {
  return currentContext()?.cancellationSignal ?? new AbortController().signal;
}

/** Throws the cancellation if the activity was cancelled: call before anything irreversible. */
export function throwIfCancelled(): void {
  const signal = cancellationSignal();
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new CancelledFailure('activity cancelled');
}

/**
 * Heartbeats every `ms` while `work` runs (for long calls that keep the event loop free). A
 * heartbeat is also how a cancellation reaches the activity, so the interval bounds how late a
 * cancel is seen (the worker's heartbeat throttle is set to match, see worker.ts).
 */
export async function withHeartbeat<T>(work: Promise<T>, details: unknown, ms = 1_000): Promise<T> {
  heartbeat(details);
  // Keeps the activity alive while `work` waits (e.g. on one long query); progress that `work`
  // reports itself (rows written, an iteration) is what is resent, not overwritten by `details`.
  const ctx = currentContext();
  const timer = setInterval(() => heartbeat(ctx === undefined ? details : latestDetails.get(ctx)), ms);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

/** Errors caused by the input or the previous output: retrying cannot help, exit code 2. */
/**
 * Awaits independent checks together, then reports the first failure in the order given (not
 * the first to fail in time), so that the same input always gives the same error.
 */
export async function allInOrder<T extends readonly unknown[]>(work: readonly [...{ [K in keyof T]: Promise<T[K]> }]): Promise<T> {
  const settled = await Promise.allSettled(work as readonly Promise<unknown>[]);
  for (const r of settled) if (r.status === 'rejected') throw r.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

export const INPUT_ERRORS = new Set(['SegmentationInputError', 'WarehouseInputError', 'FileAccessError', 'PreviousOutputError', 'RunConfigError']);
/** Not the input's fault, but final all the same (a newer run already replaced the output; stage data of another layout). */
const FINAL_ERRORS = new Set(['SupersededRunError', 'StageLayoutError']);

/**
 * Runs an activity body and turns what it throws into a Temporal failure:
 * - input errors (bad table, column, file, value, option, previous output) and final errors are
 *   non-retryable, typed by the error's class name, with the message naming the problem;
 * - a cancellation is rethrown as is;
 * - anything else is retried by the activity's policy (until the run's deadline).
 * Every message and stack is redacted (no credential reaches the history), and the original
 * error's cause chain is not carried over: a transport error's cause holds request URLs.
 */
export async function activity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    const signal = currentContext()?.cancellationSignal;
    if (err instanceof CancelledFailure) throw err;
    if (signal?.aborted) throw signal.reason instanceof CancelledFailure ? signal.reason : new CancelledFailure('activity cancelled');
    if (err instanceof ApplicationFailure) throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    // By name, not class: errors from pool threads arrive as JobErrors carrying the original name.
    const nonRetryable = INPUT_ERRORS.has(e.name) || FINAL_ERRORS.has(e.name);
    const code = (e as { code?: unknown }).code;
    const failure = ApplicationFailure.create({
      message: redact(e.message),
      type: e.name,
      nonRetryable,
      details: [{ code: typeof code === 'string' ? code : null }],
    });
    failure.stack = redact(e.stack ?? `${e.name}: ${e.message}`);
    throw failure;
  }
}
