/**
 * A run's two outputs, the segment table T and the model table M (`<T>_model`), written into
 * Trino as one unit, so that whatever fails (a cut connection at any statement, a killed worker,
 * a cancelled run, a concurrent run) T and M end as the old or the new complete pair of one run.
 *
 * 0. Pre-check (one statement): T and M already hold this run (a retry after a completed swap)?
 *    Then nothing is staged.
 * 1. Staging (slow, outside the lock): `<T>__stage_<tag>` and `<M>__stage_<tag>` created and filled,
 *    with the rows the worker carries or, for T, by one CREATE TABLE AS SELECT inside Trino
 *    (trino-select-stage.ts: no customer row through the worker).
 * 2. Lock `<T>__autoseg_lock` (trino-lock.ts): one run at a time touches T and M.
 * 3. Under the lock, the state is read (trino-state.ts: two statements, staging row counts
 *    included) and another run's half-done swap (its `__old_` tables) is rolled back.
 * 4. Done already? T and M both hold this run's rows (their run_id column): 'unchanged'.
 * 5. Fence: if T or M holds a newer run (later start; equal starts: larger run id), drop our
 *    staging and throw SupersededRunError.
 * 6. Cancelled? Throw now: no swap is ever started after cancellation, and none is interrupted.
 * 7. Staging counts checked; swap T then M: `replace` (CREATE OR REPLACE ... AS SELECT, atomic on
 *    Iceberg/Delta) or, on the memory connector (or after NOT_SUPPORTED), `rename` (X -> `X__old_<tag>`,
 *    stage -> X: X is absent for one metadata call); then drop the olds; release the lock.
 *    A clean write over an existing pair is 13 statements with one insert per table; 14 when T is
 *    staged from a SELECT (its CTAS, then its count(*)).
 *
 * Every decision is taken from the state read from Trino (which tables exist, whose run they
 * hold), never from memory, and every statement is a single atomic metadata change. So after a
 * cut at any statement, whether it ran or not, a retry of the same run (re-entrant lock) rolls
 * the swap forward and cleanupRun rolls it back, from whatever state the cut left.
 */
import { SupersededRunError, WarehouseInputError, WarehouseUnavailableError } from './errors';
import { quoteTableRef, runTag, type TableRef } from './identifiers';
import { abortError, isAbortError, type TrinoConnection } from './trino-connection';
import { acquireLock, isLockBusy, releaseLock } from './trino-lock';
import { alreadyWritten, factsOf, full, has, holds, readState, type Facts, type Layout, type State } from './trino-state';
import { checkSelectOutput, isSelectOutput, stageFromSelect, type SelectOutput } from './trino-select-stage';
import { checkWritableTable, count, fillStaging, stagingCountError } from './trino-write';
import type { OutputTable } from './warehouse';

export { runLayout, type Layout } from './trino-state';
export type { SelectOutput } from './trino-select-stage';

/** An output whose rows the worker carries. */
export interface TableOutput {
  readonly target: string;
  readonly table: OutputTable;
}

export interface RunOutputs {
  /** The rows, or a SELECT that Trino runs into the staging table (run_id and created_at appended). */
  readonly segments: TableOutput | SelectOutput;
  readonly model: TableOutput;
  /**
   * Further tables of the run (its side tables), staged and swapped with T and M as one unit. A
   * table may be given as a function, called once T is staged and `onStaged` has run (a side
   * table may describe what `onStaged` measured).
   */
  readonly extras?: readonly ExtraOutput[];
}

export interface ExtraOutput {
  readonly target: string;
  readonly table: OutputTable | (() => Promise<OutputTable>);
}

export interface RunWriteOptions {
  readonly runId: string;
  /** The run's start: the fence orders runs by it. Must equal the model's created_at value. */
  readonly runStartedAt: Date;
  /** Cancels staging and lock waits; checked once more right before the swap. */
  readonly signal?: AbortSignal;
  /** After each staging batch, every second of a staging CTAS, and each lock poll: the place for an activity heartbeat. */
  readonly onProgress?: (p: { rowsWritten: number; step: string }) => void | Promise<void>;
  /**
   * Called once the segments are staged, before the lock and the swap, with the staging table:
   * the place to compare the new segments with the target's current ones (still the previous
   * run's). Not called on a retry that finds the swap already done.
   */
  readonly onStaged?: (staging: TableRef) => Promise<void>;
  /** How long to wait for another run's lock; default 10 min. */
  readonly lockWaitMs?: number;
  /** Lock poll interval; default 1 s. */
  readonly lockPollMs?: number;
}

export interface RunWriteResult {
  readonly outcome: 'created' | 'replaced' | 'unchanged';
  readonly strategy: 'replace' | 'rename';
  readonly rowCount: number;
}

const rename = (conn: TrinoConnection, from: TableRef, to: TableRef): Promise<unknown> => conn.execute(`ALTER TABLE ${quoteTableRef(from)} RENAME TO ${quoteTableRef(to)}`);
const drop = (conn: TrinoConnection, ref: TableRef): Promise<unknown> => conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(ref)}`);

/** Tags of runs that left `__old_` copies of our targets (only a swap in progress makes them). */
function oldTags(layout: Layout, state: State): Set<string> {
  const tags = new Set<string>();
  for (const s of layout.slots) {
    const prefix = `${full(s.target)}__old_`;
    for (const n of state.names) if (n.startsWith(prefix)) tags.add(n.slice(prefix.length));
  }
  return tags;
}

/**
 * Settles run `tag`'s swap, from the state read before: complete -> drop its olds; half done ->
 * roll back to the old pair when every table it replaced still has its old copy, else (with
 * `forward`) roll forward from its staging tables; never swapped -> restore any target it
 * renamed away. Each step leaves a state this same function settles again after a cut.
 */
export async function settleRun(conn: TrinoConnection, layout: Layout, state: State, tag: string, opts: { forward: boolean; dropStages: boolean }): Promise<void> {
  const slots = layout.slots;
  const ours = slots.map((s) => holds(state, s.target, tag));
  const mixed = ours.some(Boolean) && !ours.every(Boolean);
  const rollBack = mixed && slots.every((s, i) => !ours[i] || has(state, s.old(tag)));
  const forward = mixed && !rollBack && opts.forward && slots.every((s, i) => ours[i] || has(state, s.stage(tag)));
  for (const [i, s] of slots.entries()) {
    const exists = has(state, s.target);
    const old = has(state, s.old(tag));
    if (ours[i]) {
      if (rollBack) {
        await drop(conn, s.target);
        await rename(conn, s.old(tag), s.target);
      } else if (old) await drop(conn, s.old(tag));
    } else if (forward) {
      if (exists) {
        if (old) await drop(conn, s.old(tag));
        await rename(conn, s.target, s.old(tag));
      }
      await rename(conn, s.stage(tag), s.target);
      if (exists || old) await drop(conn, s.old(tag));
    } else if (!exists && old) {
      await rename(conn, s.old(tag), s.target); // renamed away, never replaced: put it back
    } else if (old) {
      await drop(conn, s.old(tag));
    }
    if (opts.dropStages && has(state, s.stage(tag)) && !(forward && !ours[i])) await drop(conn, s.stage(tag));
  }
}

/** Rolls back every other run's half-done swap; true when anything was found. */
async function repairOthers(conn: TrinoConnection, layout: Layout, state: State, tag: string): Promise<boolean> {
  const others = [...oldTags(layout, state)].filter((t) => t !== tag);
  let current = state;
  for (const other of others) {
    // Its staging tables are left alone: that run may be alive and refilling them.
    await settleRun(conn, layout, current, other, { forward: false, dropStages: false });
    current = await readState(conn, layout, tag);
  }
  return others.length > 0;
}

function checkRunColumns(outputs: RunOutputs, runId: string, runStartedAt: Date): void {
  for (const [what, out] of [['segments', outputs.segments] as const, ['model', outputs.model] as const]) {
    // A SELECT gets its run_id and created_at from the run itself (stagingQuery).
    if (isSelectOutput(out)) {
      checkSelectOutput(out);
      continue;
    }
    checkRunTable(what, out.table, runId, runStartedAt);
  }
  if (!Number.isFinite(runStartedAt.getTime())) throw new WarehouseInputError('INVALID_VALUE', 'runStartedAt is not a valid date');
}

/** A table of the run: writable, and every row stamped with this run's id and start (the fence and retries read them back). */
function checkRunTable(what: string, table: OutputTable, runId: string, runStartedAt: Date): void {
  checkWritableTable(table);
  const runCol = table.columns.find((c) => c.name === 'run_id');
  const createdCol = table.columns.find((c) => c.name === 'created_at');
  if (!runCol || !createdCol || !/^timestamp\(3\)$/i.test(createdCol.sqlType.trim())) {
    throw new WarehouseInputError('INVALID_VALUE', `the ${what} table needs a run_id column and a created_at timestamp(3) column`);
  }
  for (let i = 0; i < table.rowCount; i++) {
    const created = createdCol.values[i];
    if (runCol.values[i] !== runId || !(created instanceof Date) || created.getTime() !== runStartedAt.getTime()) {
      throw new WarehouseInputError('INVALID_VALUE', `the ${what} table, row ${i}: run_id must be ${runId} and created_at the run's start ${runStartedAt.toISOString()}`);
    }
  }
}

/** The target holding a newer run than ours, if any. */
function newerHolder(layout: Layout, state: State, tag: string, runId: string, startedAt: number): { ref: TableRef; facts: Facts } | undefined {
  for (const s of layout.slots) {
    const f = factsOf(state, s.target);
    if (!f || f.runId === null || holds(state, s.target, tag) || f.startedAt === null) continue;
    if (f.startedAt > startedAt || (f.startedAt === startedAt && f.runId > runId)) return { ref: s.target, facts: f };
  }
  return undefined;
}

function notSupported(err: unknown): boolean {
  return err instanceof WarehouseInputError && (err as { trinoErrorName?: string }).trinoErrorName === 'NOT_SUPPORTED';
}

/** Step 7: swaps in every target that does not hold our run yet (roll forward from any state). */
async function swap(conn: TrinoConnection, layout: Layout, state: State, tag: string, replaceSupport: Map<string, boolean>): Promise<'replace' | 'rename'> {
  const catalog = layout.slots[0].target.parts[0];
  const setting = conn.config.replaceStrategy;
  let strategy: 'replace' | 'rename' = setting === 'rename' || (setting === 'auto' && replaceSupport.get(catalog) === false) ? 'rename' : 'replace';
  for (const s of layout.slots) {
    if (holds(state, s.target, tag)) continue;
    if (strategy === 'replace') {
      try {
        await conn.execute(`CREATE OR REPLACE TABLE ${quoteTableRef(s.target)} AS SELECT * FROM ${quoteTableRef(s.stage(tag))}`);
        replaceSupport.set(catalog, true);
        continue;
      } catch (err) {
        // NOT_SUPPORTED is raised at analysis, before anything changed (memory connector).
        if (setting === 'replace' || !notSupported(err)) throw err;
        replaceSupport.set(catalog, false);
        strategy = 'rename';
      }
    }
    if (has(state, s.target)) {
      if (has(state, s.old(tag))) await drop(conn, s.old(tag));
      await rename(conn, s.target, s.old(tag));
    }
    await rename(conn, s.stage(tag), s.target);
  }
  for (const s of layout.slots) {
    const renamedAway = !holds(state, s.target, tag) && has(state, s.target) && strategy === 'rename';
    if (renamedAway || has(state, s.old(tag))) await drop(conn, s.old(tag));
    // Replace copies the staging table; a retry refills staging even for a target already ours.
    if (strategy === 'replace' ? !holds(state, s.target, tag) || has(state, s.stage(tag)) : has(state, s.stage(tag)) && holds(state, s.target, tag)) {
      await drop(conn, s.stage(tag));
    }
  }
  return strategy;
}

/** Step 1 for T: fills its staging table, reporting progress; returns the rows staged. */
async function stageSegments(
  conn: TrinoConnection,
  staging: TableRef,
  segments: RunOutputs['segments'],
  options: RunWriteOptions,
  report: (step: string, rowsWritten: number) => Promise<void>,
): Promise<number> {
  const { runId, runStartedAt, signal } = options;
  if (isSelectOutput(segments)) return stageFromSelect(conn, staging, segments, { runId, runStartedAt, signal, onProgress: report });
  await report('staging segments', 0);
  await fillStaging(conn, staging, segments.table, { signal, onBatch: (p) => report('staging segments', p.rowsWritten) });
  return segments.table.rowCount;
}

export async function writeRunOutputs(conn: TrinoConnection, layout: Layout, outputs: RunOutputs, options: RunWriteOptions, replaceSupport: Map<string, boolean>): Promise<RunWriteResult> {
  const { runId, runStartedAt, signal } = options;
  checkRunColumns(outputs, runId, runStartedAt);
  const tag = runTag(runId);
  const [seg, model] = layout.slots;
  const segments = outputs.segments;
  // The rows T must hold: given with the rows; for a SELECT, counted once staged (or announced).
  let rowCount = isSelectOutput(segments) ? undefined : segments.table.rowCount;
  const report = async (step: string, rowsWritten: number): Promise<void> => {
    if (options.onProgress) await options.onProgress({ rowsWritten, step });
  };
  // Only for the result: a SELECT-staged T that this attempt did not stage is counted where it is.
  const resultRows = async (): Promise<number> => rowCount ?? (isSelectOutput(segments) ? segments.expectedRows : undefined) ?? count(conn, seg.target);

  let written = 0;
  let extraTables: OutputTable[] | undefined;
  let acquiredAt: number | undefined;
  let swapping = false;
  try {
    // A retry after a completed swap has nothing to stage.
    if (!(await alreadyWritten(conn, layout, tag))) {
      written = rowCount = await stageSegments(conn, seg.stage(tag), segments, options, report);
      if (options.onStaged) await options.onStaged(seg.stage(tag));
      await fillStaging(conn, model.stage(tag), outputs.model.table, { signal });
      extraTables = [];
      for (const [i, extra] of (outputs.extras ?? []).entries()) {
        const table = typeof extra.table === 'function' ? await extra.table() : extra.table;
        checkRunTable(extra.target, table, runId, runStartedAt);
        // Which run a table holds is read from its rows: an empty one would hold none.
        if (table.rowCount === 0) throw new WarehouseInputError('INVALID_VALUE', `the ${extra.target} table has no rows: each of a run's tables must hold at least one row stamped with the run`);
        await report(`staging ${extra.target}`, written);
        await fillStaging(conn, layout.slots[i + 2].stage(tag), table, { signal });
        extraTables.push(table);
      }
    }
    await report('waiting for the output lock', written);
    acquiredAt = await acquireLock(conn, layout.lock, {
      runId,
      runStartedAt,
      signal,
      waitMs: options.lockWaitMs ?? 10 * 60_000,
      pollMs: options.lockPollMs ?? 1000,
      onWait: (holder) => report(`waiting for ${holder} to finish writing ${full(seg.target)}`, written),
    });
    let state = await readState(conn, layout, tag);
    if (await repairOthers(conn, layout, state, tag)) state = await readState(conn, layout, tag);

    if (layout.slots.every((s) => holds(state, s.target, tag))) {
      await settleRun(conn, layout, state, tag, { forward: false, dropStages: true });
      const rows = await resultRows();
      await releaseLock(conn, layout.lock, runId, acquiredAt);
      return { outcome: 'unchanged', strategy: replaceSupport.get(seg.target.parts[0]) ? 'replace' : 'rename', rowCount: rows };
    }
    const newer = newerHolder(layout, state, tag, runId, runStartedAt.getTime());
    if (newer) {
      throw new SupersededRunError(full(newer.ref), runId, runStartedAt, newer.facts.runId!, newer.facts.startedAt === null ? null : new Date(newer.facts.startedAt));
    }
    if (signal?.aborted) throw abortError(signal);
    for (const [i, s] of layout.slots.entries()) {
      if (holds(state, s.target, tag)) continue;
      const expected = i === 0 ? rowCount : i === 1 ? outputs.model.table.rowCount : extraTables?.[i - 2]?.rowCount;
      const staged = state.staged.get(full(s.stage(tag)));
      if (staged === undefined) throw new WarehouseUnavailableError(`staging table ${full(s.stage(tag))} disappeared before the swap; the write will be redone`);
      // Staging skipped (the targets held this run when the attempt began), then the targets changed.
      if (expected === undefined) throw new WarehouseUnavailableError(`staging table ${full(s.stage(tag))} was not made by this attempt, its row count cannot be checked; the write will be redone`);
      if (staged !== expected) throw stagingCountError(s.stage(tag), staged, expected);
    }
    if (conn.config.replaceStrategy === 'auto' && state.connector === 'memory') replaceSupport.set(seg.target.parts[0], false);
    const outcome = has(state, seg.target) || has(state, seg.old(tag)) ? 'replaced' : 'created';
    await report('swapping', written);
    swapping = true;
    const strategy = await swap(conn, layout, state, tag, replaceSupport);
    const rows = await resultRows();
    await releaseLock(conn, layout.lock, runId, acquiredAt);
    return { outcome, strategy, rowCount: rows };
  } catch (err) {
    // Superseded or cancelled before any swap: nothing of ours may stay behind. Any other failure
    // (a cut connection) leaves the state as is, lock included: the retry or cleanupRun settles it.
    if (!swapping && (err instanceof SupersededRunError || isAbortError(err, signal))) {
      // A superseded run never rolls its own half-done swap forward over a newer run's table.
      await discardRun(conn, layout, tag, runId, acquiredAt, !(err instanceof SupersededRunError)).catch(() => undefined);
    }
    throw err;
  }
}

/** Drops the run's staging tables; with the lock held, also settles (rolls back) its swap. */
async function discardRun(conn: TrinoConnection, layout: Layout, tag: string, runId: string, acquiredAt: number | undefined, forward = true): Promise<void> {
  const state = await readState(conn, layout, tag);
  if (acquiredAt !== undefined) {
    await settleRun(conn, layout, state, tag, { forward, dropStages: true });
    await releaseLock(conn, layout.lock, runId, acquiredAt);
  } else {
    for (const s of layout.slots) if (has(state, s.stage(tag))) await drop(conn, s.stage(tag));
  }
}

/**
 * Compensation for a failed or cancelled run: its half-done swap rolled back (forward only when
 * the old copies are gone), its staging and old tables dropped, its lock released. Idempotent.
 * If another run holds the lock past `lockWaitMs`, only the staging tables are dropped: that
 * run's repair step settles any swap of ours under its lock.
 */
export async function cleanupRun(conn: TrinoConnection, layout: Layout, runId: string, lockWaitMs = 60_000): Promise<void> {
  const tag = runTag(runId);
  let acquiredAt: number | undefined;
  try {
    acquiredAt = await acquireLock(conn, layout.lock, { runId, waitMs: lockWaitMs, pollMs: 1000 });
  } catch (err) {
    if (!isLockBusy(err)) throw err;
  }
  await discardRun(conn, layout, tag, runId, acquiredAt);
}
