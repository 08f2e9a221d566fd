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
