/**
 * A per-output lock kept in the warehouse itself, so that runs on different workers (or
 * machines) never swap the same output at the same time.
 *
 * The lock is a table `<target>__autoseg_lock` made by CREATE TABLE ... AS SELECT <run id>, <run
 * start>, <acquired at>. CREATE TABLE is a test-and-set on the coordinator: the memory connector
 * checks "no such table" and registers the name inside one synchronized beginCreateTable call,
 * so of two concurrent creates exactly one succeeds and the other fails with ALREADY_EXISTS
 * (Iceberg and Delta commit a new table through their metastore/log, which is also exclusive).
 * The name is visible from beginCreateTable on, before its row is written: a lock read with no
 * row is "being taken right now".
 *
 * - Re-entrant: a retried attempt of the run holding the lock (same run id) takes it again.
 * - Lease: a lock acquired more than LOCK_LEASE_MS (1 hour) ago is presumed left by a dead run
 *   (a worker killed mid-swap whose workflow was terminated without compensation) and is broken.
 *   Holding it that long is impossible for a live run: only the metadata swap (seconds) runs under
 *   it; the slow staging inserts run before. Two waiters breaking the same stale lock in the same
 *   instant could both proceed; the repair step under the lock keeps even that case consistent.
 * - Release: drop it, only if it still names our run.
 */
import { WarehouseInputError, WarehouseUnavailableError } from './errors';
import { quoteTableRef, type TableRef } from './identifiers';
import { abortError, type TrinoConnection } from './trino-connection';
import { stringLiteral } from './trino-write';

export const LOCK_LEASE_MS = 60 * 60 * 1000;
/** A lock table without its row for this long was left by a CREATE that died half-way. */
const EMPTY_LOCK_GRACE_MS = 30_000;

export interface LockOptions {
  readonly runId: string;
  /** Recorded for the messages of runs that wait; unknown to a compensation (cleanupRun). */
  readonly runStartedAt?: Date;
  readonly waitMs: number;
  readonly pollMs: number;
  readonly signal?: AbortSignal;
  /** Called on every poll while waiting: the activity heartbeats here. */
  readonly onWait?: (holder: string) => void | Promise<void>;
}

export interface LockHolder {
  readonly runId: string;
  readonly runStartedAt: string;
  readonly ageMs: number;
}

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) as a timestamp(3) literal. */
export function timestampLiteral(d: Date): string {
  return `TIMESTAMP '${d.toISOString().replace('T', ' ').replace('Z', '')}'`;
}

/** The server's clock in UTC, as timestamp(3): lease ages are measured on one clock. */
const NOW = `CAST(current_timestamp AT TIME ZONE 'UTC' AS timestamp(3))`;

const busyErrors = new WeakSet<Error>();

/** True for the error acquireLock throws when another run kept the lock for the whole wait. */
export function isLockBusy(err: unknown): boolean {
  return err instanceof Error && busyErrors.has(err);
}

function isAlreadyExists(err: unknown): boolean {
  const name = (err as { trinoErrorName?: string }).trinoErrorName;
  if (err instanceof WarehouseInputError && (name === 'ALREADY_EXISTS' || name === 'TABLE_ALREADY_EXISTS')) return true;
  // Iceberg checks at commit, not at analysis: the CREATE that lost the race fails with a commit error.
  return err instanceof WarehouseUnavailableError && /^Trino ICEBERG_COMMIT_ERROR: Failed to create table .*: Table already exists/.test(err.message);
}

function isTableNotFound(err: unknown): boolean {
  return err instanceof WarehouseInputError && err.code === 'TABLE_NOT_FOUND';
}

/**
 * A read racing a CREATE or DROP of the table it is reading: the table is changing under us, not
 * broken. The memory connector fails with "Cannot invoke TableInfo.getMetadata() ... is null"
 * (GENERIC_INTERNAL_ERROR); Iceberg with ICEBERG_MISSING_METADATA (the table is registered in
 * the metastore before its first metadata file is committed, and unregistered after dropping it),
 * or with ICEBERG_CANNOT_OPEN_SPLIT when the DROP deleted a data file the read had already planned.
 */
export function isDropRace(err: unknown): boolean {
  return (
    err instanceof WarehouseUnavailableError && /^Trino (GENERIC_INTERNAL_ERROR: .*TableInfo|ICEBERG_MISSING_METADATA: |ICEBERG_CANNOT_OPEN_SPLIT: Error opening Iceberg split )/.test(err.message)
  );
}

/**
 * The lock's holder; null when the lock does not exist, `empty` while its CREATE is under way,
 * `changing` when it was being dropped as we read it.
 */
export async function readLock(conn: TrinoConnection, lock: TableRef): Promise<LockHolder | 'empty' | 'changing' | null> {
  try {
    const { rows } = await conn.execute(`SELECT run_id, CAST(run_started_at AS varchar), date_diff('millisecond', acquired_at, ${NOW}) FROM ${quoteTableRef(lock)} LIMIT 1`);
    if (rows.length === 0) return 'empty';
    return { runId: String(rows[0][0]), runStartedAt: rows[0][1] === null ? 'at an unknown time' : `${String(rows[0][1])} UTC`, ageMs: Number(rows[0][2]) };
  } catch (err) {
    if (isTableNotFound(err)) return null;
    if (isDropRace(err)) return 'changing';
    throw err;
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Takes the lock, waiting (polling) while another run holds it, up to `waitMs`. Rejects with a
 * retryable WarehouseUnavailableError naming the holder when the wait runs out, or with the
 * signal's reason when cancelled. Resolves with the time it was taken (local clock).
 */
export async function acquireLock(conn: TrinoConnection, lock: TableRef, options: LockOptions): Promise<number> {
  const deadline = Date.now() + options.waitMs;
  let emptySince: number | undefined;
  const create =
    `CREATE TABLE ${quoteTableRef(lock)} AS SELECT CAST(${stringLiteral(options.runId)} AS varchar) AS run_id, ` +
    `${options.runStartedAt ? timestampLiteral(options.runStartedAt) : 'CAST(NULL AS timestamp(3))'} AS run_started_at, ${NOW} AS acquired_at`;
  for (;;) {
    if (options.signal?.aborted) throw abortError(options.signal);
    try {
      await conn.execute(create, undefined, options.signal);
      return Date.now();
    } catch (err) {
      if (!isAlreadyExists(err)) throw err;
    }
    const holder = await readLock(conn, lock);
    if (holder === null) continue; // released between our CREATE and our read: try again now
    if (typeof holder !== 'string' && holder.runId === options.runId) return Date.now(); // re-entrant: a retried attempt
    if (holder === 'changing') {
      // Released (or broken) as we read it: look again after a poll.
    } else if (holder === 'empty') {
      emptySince ??= Date.now();
      if (Date.now() - emptySince > EMPTY_LOCK_GRACE_MS) {
        await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(lock)}`);
        emptySince = undefined;
        continue;
      }
    } else {
      emptySince = undefined;
      if (holder.ageMs > LOCK_LEASE_MS) {
        await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(lock)}`);
        continue;
      }
    }
    const who = typeof holder === 'string' ? 'another run (taking or releasing the lock right now)' : `run ${holder.runId} (started ${holder.runStartedAt})`;
    if (Date.now() >= deadline) {
      const e = new WarehouseUnavailableError(
        `${lock.parts.join('.').replace(/__autoseg_lock$/, '')} is being written by ${who}; ` +
          `gave up waiting after ${Math.round(options.waitMs / 1000)} s (a lock older than ${LOCK_LEASE_MS / 60_000} min is broken automatically)`,
      );
      busyErrors.add(e);
      throw e;
    }
    if (options.onWait) await options.onWait(who);
    await sleep(Math.min(options.pollMs, Math.max(0, deadline - Date.now())), options.signal);
  }
}

/**
 * Drops the lock if it is ours. `known` skips the read when we took it moments ago (nobody can
 * have broken it before its lease ran out).
 */
export async function releaseLock(conn: TrinoConnection, lock: TableRef, runId: string, acquiredAt?: number): Promise<void> {
  const fresh = acquiredAt !== undefined && Date.now() - acquiredAt < LOCK_LEASE_MS / 2;
  if (!fresh) {
    const holder = await readLock(conn, lock);
    if (holder === null || typeof holder === 'string' || holder.runId !== runId) return;
  }
  await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(lock)}`);
}
