/**
 * The columnar customer table the engine reads: one entry per column, one value per customer.
 * Warehouses (src/warehouse) produce it; the stage store (src/stage) persists it.
 *
 * - numeric: float64 values; `nulls[i] === 1` marks a SQL NULL (the value slot is then 0).
 *   NaN or Infinity in `values` at a non-null slot is bad input, never a null.
 *   Dates and timestamps arrive as numeric (see `sourceType`), e.g. epoch days.
 * - categorical: strings, `null` for SQL NULL. Booleans arrive as 'true' / 'false'.
 */
export type InputColumn =
  | { readonly name: string; readonly kind: 'numeric'; readonly sourceType?: string; readonly values: Float64Array; readonly nulls: Uint8Array }
  | { readonly name: string; readonly kind: 'categorical'; readonly sourceType?: string; readonly values: ReadonlyArray<string | null> };

export interface ColumnarTable {
  /** Where the table came from, for error messages (e.g. `memory.default.customers` or a file path). */
  readonly name: string;
  readonly rowCount: number;
  readonly columns: ReadonlyArray<InputColumn>;
}

export function column(table: ColumnarTable, name: string): InputColumn | undefined {
  return table.columns.find((c) => c.name === name);
}
