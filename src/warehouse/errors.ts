/**
 * Two kinds of warehouse failure, kept apart because the workflow treats them oppositely:
 * - WarehouseInputError: the request itself is wrong (missing table or column, bad identifier,
 *   bad SQL, a value that cannot be written). Retrying cannot help: fail the run, name the problem.
 * - WarehouseUnavailableError: the warehouse could not be reached or failed internally
 *   (connection refused, 5xx, node crash). Retrying later is the cure.
 */
export type WarehouseInputCode =
  | 'TABLE_NOT_FOUND'
  | 'COLUMN_NOT_FOUND'
  | 'SCHEMA_NOT_FOUND'
  | 'CATALOG_NOT_FOUND'
  | 'INVALID_IDENTIFIER'
  | 'INVALID_SQL'
  | 'INVALID_TYPE'
  | 'INVALID_VALUE'
  | 'DUPLICATE_COLUMN'
  | 'PERMISSION_DENIED'
  | 'UNSUPPORTED_SOURCE'
  | 'QUERY_TOO_LARGE'
  | 'QUERY_FAILED';

export class WarehouseInputError extends Error {
  override readonly name = 'WarehouseInputError';
  readonly retryable = false;
  constructor(
    readonly code: WarehouseInputCode,
    message: string,
    readonly details: { readonly table?: string; readonly column?: string } = {},
  ) {
    super(message);
  }
}

export class WarehouseUnavailableError extends Error {
  override readonly name = 'WarehouseUnavailableError';
  readonly retryable = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True when a retry may succeed: only for WarehouseUnavailableError, never for input errors. */
export function isRetryableWarehouseError(err: unknown): boolean {
  return err instanceof WarehouseUnavailableError;
}

/**
 * A newer run (later start; on equal starts, the larger run id) already wrote this output, so an
 * older run must not replace it. Final (retrying cannot make the run newer), but not the input's
 * fault: it is reported as "superseded", never as bad input.
 */
export class SupersededRunError extends Error {
  override readonly name = 'SupersededRunError';
  readonly retryable = false;
  constructor(
    readonly table: string,
    readonly runId: string,
    readonly runStartedAt: Date,
    readonly newerRunId: string,
    readonly newerRunStartedAt: Date | null,
  ) {
    super(
      `run ${runId} (started ${runStartedAt.toISOString()}) is superseded: ${table} already holds the output of the newer run ${newerRunId}` +
        ` (started ${newerRunStartedAt ? newerRunStartedAt.toISOString() : 'at an unknown time'}); this run's output was discarded`,
    );
  }
}
