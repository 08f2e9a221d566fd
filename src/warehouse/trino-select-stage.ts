/**
 * The segment table staged from a SELECT run inside Trino, so that no customer row passes
 * through the worker: one `CREATE TABLE <T>__stage_<tag> AS SELECT <the select's columns>,
 * run_id, created_at FROM (<select>)`, then the staging table's count(*) checked. The rest of the
 * write (lock, repair, fence, swap, cleanupRun) is trino-run-write.ts's, unchanged.
 *
 * A CREATE TABLE AS only ever names the staging table, so a CTAS killed half-way (cancelled, cut,
 * Trino restarted) can leave at most that table, never anything under T: on the memory connector
 * an empty one (it registers the name when the CTAS is planned and never rolls it back), on
 * Iceberg nothing (the table is committed at the end). A retry's CTAS finds it
 * (TABLE_ALREADY_EXISTS), drops and recreates it; cleanupRun drops it with the run's other
 * staging tables (trino-state.ts lists every `<T>__*` table, whatever its content).
 */
import { WarehouseInputError } from './errors';
import { quoteTableRef, type TableRef } from './identifiers';
import type { TrinoConnection } from './trino-connection';
import { timestampLiteral } from './trino-lock';
import { count, stagingCountError, stringLiteral } from './trino-write';

/** The segments as a query: `select` (one SELECT) gives every column but run_id and created_at. */
export interface SelectOutput {
  readonly target: string;
  readonly select: string;
  /** The rows the SELECT must give (e.g. the source's count(*)); a mismatch is retried. */
  readonly expectedRows?: number;
}

export function isSelectOutput(output: object): output is SelectOutput {
  return 'select' in output;
}

/** How often a running CTAS reports progress: the activity heartbeats (and sees its cancellation) through it. */
const PROGRESS_EVERY_MS = 1000;

/** Comments before the query: modelSelect's SQL starts with one. */
const LEADING_COMMENTS = /^(?:\s*(?:--[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/))*\s*/;

/**
 * The query text to embed as a subquery, trailing semicolons removed. A subquery can only hold
 * a query (DDL or a second statement is a syntax error there); this check names the problem first.
 */
function subqueryText(select: string): string {
  if (typeof select !== 'string') throw new WarehouseInputError('INVALID_SQL', 'the segments SELECT must be a string');
  const sql = select.trim().replace(/;+\s*$/, '');
  if (!/^(\(|select\b|with\b|values\b|table\b)/i.test(sql.replace(LEADING_COMMENTS, ''))) {
    throw new WarehouseInputError('INVALID_SQL', 'the segments SELECT must be a single SELECT (or WITH ... SELECT) statement');
  }
  return sql;
}

export function checkSelectOutput(output: SelectOutput): void {
  subqueryText(output.select);
  const n = output.expectedRows;
  if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) {
    throw new WarehouseInputError('INVALID_VALUE', `expectedRows for ${output.target} must be a non-negative integer, not ${String(n)}`);
  }
}

/** The select with the run's constant columns appended, as the row path writes them (varchar, timestamp(3)). */
function stagingQuery(select: string, runId: string, runStartedAt: Date): string {
  return (
    `SELECT autoseg_selected.*, CAST(${stringLiteral(runId)} AS varchar) AS "run_id", ${timestampLiteral(runStartedAt)} AS "created_at"\n` + `FROM (\n${subqueryText(select)}\n) AS autoseg_selected`
  );
}

const isAlreadyExists = (err: unknown): boolean => {
  const name = (err as { trinoErrorName?: string }).trinoErrorName;
  return err instanceof WarehouseInputError && (name === 'TABLE_ALREADY_EXISTS' || name === 'ALREADY_EXISTS');
};

/**
 * CREATE TABLE `ref` AS `query`; a table left under that name by an earlier attempt of the same
 * run (a CTAS that finished unacknowledged, or was killed half-way) is dropped and made again.
 */
async function createTableAs(conn: TrinoConnection, ref: TableRef, query: string, signal: AbortSignal): Promise<void> {
  const create = `CREATE TABLE ${quoteTableRef(ref)} AS ${query}`;
  try {
    await conn.execute(create, undefined, signal);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
    await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(ref)}`, undefined, signal);
    await conn.execute(create, undefined, signal);
  }
}

/**
 * Runs `work` with `onProgress` called every PROGRESS_EVERY_MS meanwhile. `work` gets a signal
 * that aborts with the caller's signal, or with onProgress's error (which `work` then rejects with).
 */
async function reportingWhile<T>(work: (signal: AbortSignal) => Promise<T>, onProgress: () => void | Promise<void>, signal?: AbortSignal): Promise<T> {
  const failed = new AbortController();
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    Promise.resolve()
      .then(onProgress)
      .catch((err: unknown) => failed.abort(err))
      .finally(() => (busy = false));
  }, PROGRESS_EVERY_MS);
  try {
    return await work(signal ? AbortSignal.any([signal, failed.signal]) : failed.signal);
  } finally {
    clearInterval(timer);
  }
}

export interface SelectStageOptions {
  readonly runId: string;
  readonly runStartedAt: Date;
  readonly signal?: AbortSignal;
  readonly onProgress?: (step: string, rowsWritten: number) => void | Promise<void>;
}

/**
 * (Re)creates `staging` from `output.select` plus the run's columns and returns its row count.
 * A count other than expectedRows is retryable; an empty result is bad input. Either way the
 * staging table is dropped before throwing.
 */
export async function stageFromSelect(conn: TrinoConnection, staging: TableRef, output: SelectOutput, options: SelectStageOptions): Promise<number> {
  const step = 'staging segments: CREATE TABLE AS SELECT';
  const report = async (rows: number): Promise<void> => {
    if (options.onProgress) await options.onProgress(step, rows);
  };
  const query = stagingQuery(output.select, options.runId, options.runStartedAt);
  await report(0);
  await reportingWhile(
    (signal) => createTableAs(conn, staging, query, signal),
    () => report(0),
    options.signal,
  );
  const staged = await count(conn, staging);
  const refuse = async (err: Error): Promise<never> => {
    // Dropped now so that a stale staging table never waits for its run's retry or cleanup;
    // if this drop is lost, the retry's CTAS or cleanupRun drops it.
    await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(staging)}`).catch(() => undefined);
    throw err;
  };
  if (output.expectedRows !== undefined && staged !== output.expectedRows) await refuse(stagingCountError(staging, staged, output.expectedRows));
  if (staged === 0) {
    await refuse(new WarehouseInputError('INVALID_VALUE', `the SELECT for ${output.target} gave no rows: an empty segment table would record no run`, { table: output.target }));
  }
  await report(staged);
  return staged;
}
