/**
 * What every activity shares: the stage store, the warehouses, heartbeats, and the one place
 * where input errors become non-retryable ApplicationFailures.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { OutputSpec, SourceSpec } from '../config/runConfig';
import { StageStore } from '../stage';
import { DuckDBWarehouse } from '../warehouse/duckdb';
import { TrinoWarehouse } from '../warehouse/trino';
import type { Source, Warehouse } from '../warehouse/warehouse';

/** The stage store of this worker (AUTOSEG_STAGE_DIR or the OS temp dir). */
export function stageStore(): StageStore {
  return new StageStore();
}

/** A warehouse for a source or output: files go to the embedded DuckDB, tables to Trino. */
export function warehouseFor(spec: SourceSpec | OutputSpec): Warehouse {
  return spec.kind === 'file' || spec.kind === 'dir' ? new DuckDBWarehouse() : new TrinoWarehouse();
}

export function toSource(spec: SourceSpec): Source {
  return spec.kind === 'file' ? { kind: 'file', path: spec.path, ...(spec.table ? { table: spec.table } : {}) } : spec;
}

/** Records progress with the server; safe outside an activity (library use, tests). */
export function heartbeat(details?: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    /* not inside an activity */
  }
}

/** Heartbeats every `ms` while `work` runs (for long calls that keep the event loop free). */
export async function withHeartbeat<T>(work: Promise<T>, details: unknown, ms = 5_000): Promise<T> {
  heartbeat(details);
  const timer = setInterval(() => heartbeat(details), ms);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}

const INPUT_ERRORS = new Set(['SegmentationInputError', 'WarehouseInputError']);

/**
 * Runs an activity body, turning input errors (bad table, column, value or option) into
 * non-retryable ApplicationFailures whose type is the error's class name and whose message
 * names the problem. Anything else is rethrown as is and retried by the activity's policy.
 */
export async function activity<T>(body: () => Promise<T>): Promise<T> {
  try {
    return await body();
  } catch (err) {
    // By name, not class: errors from pool threads arrive as JobErrors carrying the original name.
    if (err instanceof Error && INPUT_ERRORS.has(err.name)) {
      const code = (err as { code?: unknown }).code;
      throw ApplicationFailure.create({ message: err.message, type: err.name, nonRetryable: true, details: [{ code: typeof code === 'string' ? code : null }] });
    }
    throw err;
  }
}
