/**
 * The columnar customer table the engine reads: one entry per column, one value per customer.
 * Warehouses (src/warehouse) produce it; the stage store (src/stage) persists it.
 *
 * - numeric: float64 values; `nulls[i] === 1` marks a SQL NULL (the value slot is then 0).
 *   NaN or Infinity in `values` at a non-null slot is bad input, never a null.
 *   Dates and timestamps arrive as numeric (see `sourceType`), e.g. epoch days.
 * - categorical: strings, `null` for SQL NULL. Booleans arrive as 'true' / 'false'.
 * - counted: a text column whose values were never read, only counted by the warehouse, because
 *   its exact distinct count alone already drops it ({@link droppedByDistinctCount} in
 *   profile.ts: e.g. names, addresses, free-text comments). Holding millions of unique strings
 *   that the dictionary throws away was most of a worker's memory and of its extract time.
 */
export type InputColumn =
  | { readonly name: string; readonly kind: 'numeric'; readonly sourceType?: string; readonly values: Float64Array; readonly nulls: Uint8Array }
  | { readonly name: string; readonly kind: 'categorical'; readonly sourceType?: string; readonly values: ReadonlyArray<string | null> }
  | CountedColumn;

/** A text column known by its counts only (see InputColumn). */
export interface CountedColumn {
  readonly name: string;
  readonly kind: 'counted';
  readonly sourceType?: string;
  /** Distinct values, NULL counted as one value (as the categorical profile counts them). */
  readonly distinctCount: number;
  readonly nullCount: number;
  /** Never present: declared so `column.values` reads as undefined, not as a type error, on a mixed column list. */
  readonly values?: undefined;
  readonly nulls?: undefined;
}

export interface ColumnarTable {
  /** Where the table came from, for error messages (e.g. `memory.default.customers` or a file path). */
  readonly name: string;
  readonly rowCount: number;
  readonly columns: ReadonlyArray<InputColumn>;
}

/** A column whose values were read (not only counted): the user id, features, outputs. */
export type ReadColumn = Exclude<InputColumn, CountedColumn>;

/** `c` as a read column; an internal error for a counted one, whose values no step may need. */
export function readColumn(c: InputColumn): ReadColumn {
  if (c.kind === 'counted') throw new Error(`column ${c.name} was only counted by the warehouse (its distinct count drops it): its values were never read`);
  return c;
}

export function column(table: ColumnarTable, name: string): InputColumn | undefined {
  return table.columns.find((c) => c.name === name);
}
