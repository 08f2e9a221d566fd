/**
 * Text columns that a scan may leave unread (ScanOptions.countOnly): one aggregate query, the
 * same SQL in DuckDB and Trino, counts every candidate's distinct values and NULLs; those the
 * caller's rule drops by that count alone become `counted` columns. Free text and near-unique
 * codes (names, addresses, comments) then never cross the wire or become JavaScript strings.
 */
import type { ColumnarTable, CountedColumn } from '../segmentation/table';
import type { ColumnBuilder } from './column-builder';
import { quoteIdentifier } from './identifiers';
import { classifySqlType, type ColumnInfo, type ScanOptions, type Source } from './warehouse';

export interface CountedScan {
  /** The source's row count at the time of the count (the scan that follows must read as many). */
  readonly rowCount?: number;
  readonly columns: ReadonlyMap<string, CountedColumn>;
}

/**
 * The columns worth counting: text, not the user id, and only when the caller gave a rule and the
 * source is a table or file. A SQL source is left alone: run twice, a query without a total order
 * (a LIMIT, a sample) could count other rows than it then returns.
 */
export function countCandidates(source: Source, selected: readonly ColumnInfo[], userId: ColumnInfo | undefined, options: ScanOptions): ColumnInfo[] {
  if (!options.countOnly || source.kind === 'sql') return [];
  return selected.filter((c) => c !== userId && classifySqlType(c.sqlType) === 'text');
}

/** `SELECT count(*), count(DISTINCT c0), count(*) - count(c0), ...` over `fromSql`. */
export function countQuery(fromSql: string, candidates: readonly ColumnInfo[]): string {
  const aggregates = candidates.map((c) => `count(DISTINCT ${quoteIdentifier(c.name)}), count(*) - count(${quoteIdentifier(c.name)})`);
  return `SELECT count(*), ${aggregates.join(', ')} FROM ${fromSql}`;
}

/** The counted columns out of countQuery's one row: distinct counts NULL as one value, as the profile does. */
export function countedColumns(row: readonly unknown[], candidates: readonly ColumnInfo[], options: ScanOptions): CountedScan {
  const decide = options.countOnly;
  const values = row.map((v) => Number(v));
  const rowCount = values[0];
  const columns = new Map<string, CountedColumn>();
  candidates.forEach((c, j) => {
    const nullCount = values[2 + 2 * j];
    const distinctCount = values[1 + 2 * j] + (nullCount > 0 ? 1 : 0);
    if (decide?.(c.name, distinctCount, rowCount)) columns.set(c.name, { name: c.name, kind: 'counted', sourceType: c.sqlType, distinctCount, nullCount });
  });
  return { rowCount, columns };
}

/**
 * The scanned table: the counted columns and the read ones (`read[j]` built by `builders[j]`) in
 * the source's column order. A source whose row count changed between the count and the scan is
 * an error (a retry reads it afresh).
 */
export function scannedTable(name: string, rowsRead: number, selected: readonly ColumnInfo[], counted: CountedScan, read: readonly ColumnInfo[], builders: readonly ColumnBuilder[]): ColumnarTable {
  if (counted.rowCount !== undefined && counted.rowCount !== rowsRead) {
    throw new Error(`${name} changed while it was read: ${counted.rowCount} rows counted, then ${rowsRead} rows read; run again`);
  }
  const built = new Map(builders.map((b, j) => [read[j].name, b.finish()]));
  return { name, rowCount: rowsRead, columns: selected.map((c) => counted.columns.get(c.name) ?? built.get(c.name)!) };
}
