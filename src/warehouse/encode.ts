/**
 * Turns values to write into their canonical text form, which both warehouses then CAST to the
 * column's type inside the database. Text keeps ids exact (no float on the way) and gives one
 * validation point with errors that name the column and row.
 */
import { WarehouseInputError } from './errors';
import type { OutputColumn, SqlValue } from './warehouse';

type OutputClass = 'integer' | 'float' | 'decimal' | 'boolean' | 'date' | 'timestamp' | 'timestamptz' | 'text';

export function outputClass(sqlType: string): OutputClass {
  const t = sqlType.trim().toLowerCase();
  if (/^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint)$/.test(t)) return 'integer';
  if (/^(real|float|double)$/.test(t)) return 'float';
  if (t.startsWith('decimal')) return 'decimal';
  if (t === 'boolean') return 'boolean';
  if (t === 'date') return 'date';
  if (t === 'timestamptz' || t.endsWith('with time zone')) return 'timestamptz';
  if (t.startsWith('timestamp')) return 'timestamp';
  return 'text';
}

const INTEGER_TEXT = /^-?\d+$/;
const DATE_TEXT = /^\d{4}-\d{2}-\d{2}$/;
const TIMESTAMP_TEXT = /^\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2}(\.\d{1,9})?)?$/;

/** `YYYY-MM-DD HH:MM:SS.mmm` in UTC: a form Trino and DuckDB both CAST to timestamp. */
function timestampText(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new RangeError('invalid Date');
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

/** Not a closure inside encodeValue: that runs once per value written, and a closure per call (which tsx also names) cost seconds per million rows. */
function invalid(value: SqlValue, column: string, row: number, why: string): never {
  throw new WarehouseInputError('INVALID_VALUE', `column ${column}, row ${row}: ${why} (${String(value)})`, { column });
}

/** The text form of one value for a column of class `cls`; null stays null. */
export function encodeValue(value: SqlValue | undefined, cls: OutputClass, column: string, row: number): string | null {
  if (value === null || value === undefined) return null;
  switch (cls) {
    case 'integer':
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'number') return Number.isSafeInteger(value) ? String(value) : invalid(value, column, row, 'not a safe integer; pass large ids as strings or bigint');
      if (typeof value === 'string' && INTEGER_TEXT.test(value)) return value;
      return invalid(value, column, row, 'not an integer');
    case 'float':
    case 'decimal':
      if (typeof value === 'number') return Number.isFinite(value) ? String(value) : invalid(value, column, row, 'not a finite number');
      if (typeof value === 'bigint') return value.toString();
      if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return value.trim();
      return invalid(value, column, row, 'not a number');
    case 'boolean':
      if (typeof value === 'boolean') return value ? 'true' : 'false';
      if (value === 'true' || value === 'false') return value;
      return invalid(value, column, row, 'not a boolean');
    case 'date':
      if (value instanceof Date) return timestampText(value).slice(0, 10);
      if (typeof value === 'string' && DATE_TEXT.test(value)) return value;
      return invalid(value, column, row, 'not a date (YYYY-MM-DD)');
    case 'timestamp':
      if (value instanceof Date) return timestampText(value);
      if (typeof value === 'string' && TIMESTAMP_TEXT.test(value)) return value;
      return invalid(value, column, row, 'not a timestamp (YYYY-MM-DD HH:MM:SS[.fff])');
    case 'timestamptz':
      if (value instanceof Date) return `${timestampText(value)} UTC`;
      if (typeof value === 'string' && TIMESTAMP_TEXT.test(value)) return `${value} UTC`;
      return invalid(value, column, row, 'not a timestamp (a Date, or YYYY-MM-DD HH:MM:SS[.fff] in UTC)');
    case 'text':
      if (typeof value === 'string') return value;
      if (value instanceof Date) return value.toISOString();
      return String(value);
  }
}

/** The encoded text of a whole column, for rows [from, to). */
export function encodeColumn(col: OutputColumn, from: number, to: number): (string | null)[] {
  const cls = outputClass(col.sqlType);
  const out = new Array<string | null>(to - from);
  for (let i = from; i < to; i++) out[i - from] = encodeValue(col.values[i], cls, col.name, i);
  return out;
}
