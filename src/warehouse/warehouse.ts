/**
 * The one interface every warehouse implements (Trino, DuckDB): describe a source, scan it into
 * a ColumnarTable in batches, and write a table so that readers see either the old or the new
 * content, never a partial one.
 */
import type { ColumnarTable } from '../segmentation/table';
import { WarehouseInputError } from './errors';

/** Where rows come from: a table reference, a SELECT, or (DuckDB only) a CSV / Parquet / .duckdb file. */
export type Source = { readonly kind: 'table'; readonly table: string } | { readonly kind: 'sql'; readonly sql: string } | { readonly kind: 'file'; readonly path: string; readonly table?: string };

/** A column as the warehouse reports it, and how scan() delivers it. */
export interface ColumnInfo {
  readonly name: string;
  /** The warehouse's own type text, e.g. `bigint`, `varchar(25)`, `DECIMAL(18,2)`. */
  readonly sqlType: string;
  readonly kind: 'numeric' | 'categorical';
}

export interface ScanProgress {
  readonly rowsRead: number;
  readonly batches: number;
}

export interface ScanOptions {
  /** The user id column: always delivered as exact strings (a BIGINT above 2^53 keeps every digit). */
  readonly userId?: string;
  /** Only these columns (plus userId), in source order; all columns when omitted. */
  readonly columns?: readonly string[];
  /** Rows per batch where the warehouse lets us choose (DuckDB); Trino's pages are sized by the server. */
  readonly batchSize?: number;
  /**
   * Text columns (not the user id) for which this returns true on their exact distinct count
   * (NULL as one value) over `rowCount` rows arrive as `counted` columns: counted in the
   * warehouse, their values never read. Warehouses that cannot count first read every value.
   */
  readonly countOnly?: (column: string, distinctCount: number, rowCount: number) => boolean;
  /** Called after every batch/page: the place for an activity heartbeat. Throwing aborts (and cancels) the scan. */
  readonly onBatch?: (progress: ScanProgress) => void | Promise<void>;
}

/** A value to write. Strings are passed through exactly (ids), numbers must be finite. */
export type SqlValue = string | number | bigint | boolean | Date | null;

export interface OutputColumn {
  readonly name: string;
  /** e.g. `bigint`, `integer`, `varchar`, `double`, `timestamp(3)`; checked against a whitelist. */
  readonly sqlType: string;
  readonly values: ArrayLike<SqlValue>;
}

export interface OutputTable {
  readonly rowCount: number;
  readonly columns: readonly OutputColumn[];
}

export interface WriteOptions {
  /** Names the staging table, so a retry of the same run finds and replaces its own leftovers. */
  readonly runId: string;
  readonly onBatch?: (progress: { readonly rowsWritten: number }) => void | Promise<void>;
}

export interface WriteResult {
  readonly target: string;
  readonly rowCount: number;
  /** `unchanged`: the target already held exactly these rows (a retry after a completed write). */
  readonly outcome: 'created' | 'replaced' | 'unchanged';
  /** How the swap was made: the catalog's atomic replace, rename-swap, a DuckDB transaction, or a file rename. */
  readonly strategy: 'replace' | 'rename' | 'transaction' | 'file';
}

export interface Warehouse {
  readonly kind: 'trino' | 'duckdb';
  describe(source: Source): Promise<ColumnInfo[]>;
  scan(source: Source, options?: ScanOptions): Promise<ColumnarTable>;
  /** Atomically create or replace `target` with `table` (staging table named after the run, count check, swap). */
  writeTable(target: string, table: OutputTable, options: WriteOptions): Promise<WriteResult>;
  tableExists(target: string): Promise<boolean>;
  close(): Promise<void>;
}

/** How a warehouse type is read into the engine's columnar table. */
export type TypeClass = 'numeric' | 'date' | 'timestamp' | 'timestamptz' | 'boolean' | 'text' | 'other';

/** Classifies Trino and DuckDB type text (case-insensitive). */
export function classifySqlType(sqlType: string): TypeClass {
  const t = sqlType.trim().toLowerCase();
  // Whole-text matches: `integer[]` (a DuckDB list) or `varchar(3)[]` must not pass as scalars.
  if (/^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|uhugeint|real|float|double|decimal|numeric)(\(\d+(, ?\d+)?\))?$/.test(t)) return 'numeric';
  if (t === 'date') return 'date';
  if (/^timestamp(\(\d+\))? with time zone$/.test(t) || t === 'timestamptz') return 'timestamptz';
  if (/^timestamp(\(\d+\)|_s|_ms|_ns)?$/.test(t)) return 'timestamp';
  if (t === 'boolean' || t === 'bool') return 'boolean';
  if (/^(varchar|char|string|text|bpchar)(\(\d+\))?$/.test(t)) return 'text';
  return 'other';
}

/** numeric, date and timestamps become numbers (dates as epoch days); everything else categorical. */
export function kindOf(sqlType: string): ColumnInfo['kind'] {
  const c = classifySqlType(sqlType);
  return c === 'numeric' || c === 'date' || c === 'timestamp' || c === 'timestamptz' ? 'numeric' : 'categorical';
}

/** Checks an OutputTable's shape before any SQL is run: every column as long as rowCount, names unique. */
export function checkOutputTable(table: OutputTable): void {
  const seen = new Set<string>();
  for (const c of table.columns) {
    const key = c.name.toLowerCase();
    if (seen.has(key)) throw new WarehouseInputError('DUPLICATE_COLUMN', `output column ${c.name} appears twice`, { column: c.name });
    seen.add(key);
    if (c.values.length !== table.rowCount) {
      throw new WarehouseInputError('INVALID_VALUE', `output column ${c.name} has ${c.values.length} values, expected ${table.rowCount}`, { column: c.name });
    }
  }
  if (table.columns.length === 0) throw new WarehouseInputError('INVALID_VALUE', 'output table has no columns');
}
