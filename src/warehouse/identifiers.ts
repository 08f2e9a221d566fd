/**
 * The only way names reach SQL text: every identifier a caller supplies must be a plain
 * identifier part (letters, digits, underscore, not starting with a digit) and is then quoted.
 * Names that come from the warehouse's own catalog (column names of a described table) may be
 * anything, so they are quoted with the doubled-quote escape instead.
 */
import { createHash } from 'node:crypto';
import { WarehouseInputError } from './errors';

const PLAIN_IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

/** Throws INVALID_IDENTIFIER unless `name` is a plain identifier part; returns it unchanged. */
export function checkIdentifier(name: string, what = 'identifier'): string {
  if (typeof name !== 'string' || !PLAIN_IDENTIFIER.test(name)) {
    throw new WarehouseInputError('INVALID_IDENTIFIER', `${what} ${JSON.stringify(name)} is not a plain identifier (letters, digits and _ only, not starting with a digit)`);
  }
  return name;
}

/** Double-quoted identifier with embedded quotes doubled: safe for any catalog-supplied name. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) throw new WarehouseInputError('INVALID_IDENTIFIER', 'empty or NUL-containing identifier');
  return `"${name.replace(/"/g, '""')}"`;
}

/** A table reference split into validated parts: 1 to 3 of `catalog.schema.table`. */
export interface TableRef {
  readonly parts: readonly string[];
}

export function parseTableRef(ref: string, maxParts = 3): TableRef {
  if (typeof ref !== 'string') throw new WarehouseInputError('INVALID_IDENTIFIER', 'table reference must be a string');
  const parts = ref.split('.');
  if (parts.length < 1 || parts.length > maxParts) {
    throw new WarehouseInputError('INVALID_IDENTIFIER', `table reference ${JSON.stringify(ref)} must have 1 to ${maxParts} dot-separated parts`, { table: ref });
  }
  parts.forEach((p) => checkIdentifier(p, `table name part in ${JSON.stringify(ref)}:`));
  return { parts };
}

export function quoteTableRef(ref: TableRef): string {
  return ref.parts.map(quoteIdentifier).join('.');
}

/** The same reference with its last part (the table name) replaced. */
export function withTableName(ref: TableRef, table: string): TableRef {
  return { parts: [...ref.parts.slice(0, -1), checkIdentifier(table)] };
}

export function tableName(ref: TableRef): string {
  return ref.parts[ref.parts.length - 1];
}

/**
 * A deterministic identifier-safe tag for a run id, so a retried write finds (and drops) the
 * staging table its crashed predecessor left. Readable prefix plus a hash against collisions.
 */
export function runTag(runId: string): string {
  if (typeof runId !== 'string' || runId.length === 0) throw new WarehouseInputError('INVALID_VALUE', 'runId must be a non-empty string');
  const readable = runId
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 32);
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 10);
  return readable ? `${readable}_${hash}` : hash;
}

/**
 * Output column types a caller may ask for. Type text is embedded in DDL, so only these shapes
 * pass (Trino and DuckDB spellings, case-insensitive).
 */
const OUTPUT_TYPE =
  /^(tinyint|smallint|integer|int|bigint|hugeint|utinyint|usmallint|uinteger|ubigint|real|float|double|boolean|date|varchar|varchar\(\d{1,9}\)|char\(\d{1,9}\)|decimal\(\d{1,2}, ?\d{1,2}\)|timestamp|timestamp\(\d\)|timestamp( ?\(\d\))? with time zone|timestamptz)$/i;

export function checkOutputType(sqlType: string, column: string): string {
  if (typeof sqlType !== 'string' || !OUTPUT_TYPE.test(sqlType.trim())) {
    throw new WarehouseInputError('INVALID_TYPE', `column ${JSON.stringify(column)}: unsupported output type ${JSON.stringify(sqlType)}`, { column });
  }
  return sqlType.trim();
}
