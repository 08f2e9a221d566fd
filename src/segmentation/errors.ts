/**
 * Typed errors for bad input to the segmentation engine.
 *
 * Every problem the caller can fix (an empty table, a missing or duplicated user id, an option
 * out of range, a NaN in a numeric column, ...) is a {@link SegmentationInputError} with a
 * machine-readable `code` and the offending table / column / value in fields. The message names
 * the table, column or value and says what to do. The pipeline turns it into a non-retryable
 * Temporal ApplicationFailure (type = `name`, details = {@link SegmentationInputError.toJSON});
 * this file therefore stays plain: no Temporal import, only JSON-serialisable fields.
 */

/** Machine-readable reasons for {@link SegmentationInputError}. */
export type SegmentationErrorCode =
  /** The table has no rows or no columns. */
  | 'EMPTY_TABLE'
  /** The table itself is malformed (column length differs from rowCount, duplicated column name). */
  | 'BAD_TABLE'
  /** The `userId` column is not in the table. */
  | 'USER_ID_MISSING'
  /** A user id is NULL. */
  | 'USER_ID_NULL'
  /** A user id appears on more than one row. */
  | 'USER_ID_DUPLICATE'
  /** Nothing usable is left after feature engineering. */
  | 'NO_FEATURES'
  /** `k` or `kRange` outside [2, rows - 1]. */
  | 'K_OUT_OF_RANGE'
  /** A feature named in `priority` is not a column of the table (or is listed twice). */
  | 'UNKNOWN_PRIORITY_FEATURE'
  /** NaN or +/-Infinity in a numeric column (SQL NULL is fine; NaN is not a null). */
  | 'NON_FINITE_VALUE'
  /** A numeric column listed in `categorical` holds a value that is not an integer within +/-(2^53 - 1). */
  | 'NON_INTEGER_CODE'
  /** A priority factor that is not a finite number > 0. */
  | 'BAD_FACTOR'
  /** Any other option that fails validation (type, range). */
  | 'BAD_OPTION'
  /** `assign`: a column the model was trained on is missing from the table to score. */
  | 'MISSING_COLUMN'
  /** `assign`: a column arrives numeric where the model saw categorical, or the reverse. */
  | 'COLUMN_KIND_MISMATCH'
  /** `assign`: the model artifact is not one this version can read. */
  | 'BAD_ARTIFACT';

/** The structured context of an error; every field is optional and JSON-serialisable. */
export interface SegmentationErrorContext {
  /** The table (its `name`) the problem is in. */
  readonly table?: string;
  /** The column the problem is in. */
  readonly column?: string;
  /** The offending value, as text (NaN, a duplicated id, k, a factor, ...). */
  readonly value?: string;
  /** Zero-based row of the offending value, when there is one. */
  readonly row?: number;
  /** Anything else worth knowing (e.g. the dropped columns and why, for NO_FEATURES). */
  readonly details?: Readonly<Record<string, unknown>>;
}

/**
 * Bad input to the segmentation engine: the caller must change the data or the options; retrying
 * the same call cannot help.
 */
export class SegmentationInputError extends Error {
  override readonly name = 'SegmentationInputError';
  readonly code: SegmentationErrorCode;
  readonly table?: string;
  readonly column?: string;
  readonly value?: string;
  readonly row?: number;
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(code: SegmentationErrorCode, message: string, context: SegmentationErrorContext = {}) {
    super(message);
    this.code = code;
    if (context.table !== undefined) this.table = context.table;
    if (context.column !== undefined) this.column = context.column;
    if (context.value !== undefined) this.value = context.value;
    if (context.row !== undefined) this.row = context.row;
    if (context.details !== undefined) this.details = context.details;
  }

  /** Plain JSON: name, code, message and the context fields that are set. */
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { name: this.name, code: this.code, message: this.message };
    if (this.table !== undefined) out.table = this.table;
    if (this.column !== undefined) out.column = this.column;
    if (this.value !== undefined) out.value = this.value;
    if (this.row !== undefined) out.row = this.row;
    if (this.details !== undefined) out.details = this.details;
    return out;
  }
}

/** True for a {@link SegmentationInputError} (also across module copies: checks `name` and `code`). */
export function isSegmentationInputError(e: unknown): e is SegmentationInputError {
  return e instanceof SegmentationInputError || (e instanceof Error && e.name === 'SegmentationInputError' && typeof (e as { code?: unknown }).code === 'string');
}

/** `value` rendered for a message: strings quoted, numbers as JS prints them (NaN, Infinity). */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return String(value);
}
