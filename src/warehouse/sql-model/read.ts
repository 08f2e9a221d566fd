/**
 * How the compiled model reads one input column inside Trino: the SQL expression whose value is
 * exactly what autoseg's engine sees for that column when it scans the table through
 * `TrinoWarehouse` (src/warehouse/trino.ts `selectExpression`, then the JSON protocol, then
 * `column-builder.ts`). Numeric columns become DOUBLE, categorical ones VARCHAR.
 *
 * Numeric types (the engine gets a JSON number or a decimal string and parses it as a double):
 * - tinyint..bigint: `CAST(c AS double)` (Java's long -> double rounds to nearest, ties to even,
 *   as JavaScript's parse of the integer text does);
 * - double: the column itself (doubles travel exactly: shortest round-trip text);
 * - real, decimal: `CAST(CAST(c AS varchar) AS double)`: the engine parses the text Trino
 *   serialises (a decimal's exact digits; a real's shortest digits), not the binary value, and
 *   Trino's varchar -> double is the correctly rounded `Double.parseDouble`, as JavaScript's
 *   `Number()` is;
 * - date: `date_diff('day', DATE '1970-01-01', c)` as a double (epoch days);
 * - timestamp: `date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', c) / 86400000e0`;
 * - timestamp with time zone: `to_unixtime(c) / 86400e0` (both the engine's own expressions).
 *
 * Categorical types (the engine gets a string): varchar as it is; boolean as `'true'` / `'false'`;
 * arrays, maps and rows as their JSON text; varbinary as hex; anything else CAST to varchar.
 *
 * A numeric column the `categorical` option made categorical is read as the text of the number
 * above ({@link codeTextExpression}), as the engine's codes.ts `codeText` writes it.
 */
import { SegmentationInputError, show } from '../../segmentation/errors';
import { classifySqlType, kindOf } from '../warehouse';

/** The SQL kind a read expression produces. */
export type ReadKind = 'numeric' | 'categorical';

/** True when a numeric column of this type can hold NaN or Infinity (which the engine refuses). */
export function mayBeNonFinite(sqlType: string | null): boolean {
  if (sqlType === null) return true;
  return /^(real|float|double|float4|float8)$/i.test(sqlType.trim());
}

/**
 * The expression reading `quoted` (an already quoted column) of warehouse type `sqlType` (Trino or
 * DuckDB spelling; null when unknown) as the engine reads it, for a feature the model trained as
 * `kind`. Throws COLUMN_KIND_MISMATCH when the type cannot give that kind (as `assign` does).
 */
export function readExpression(quoted: string, column: string, sqlType: string | null, kind: ReadKind): string {
  if (sqlType === null) return kind === 'numeric' ? `CAST(${quoted} AS double)` : `CAST(${quoted} AS varchar)`;
  const t = sqlType.trim().toLowerCase();
  if (kindOf(t) !== kind) {
    throw new SegmentationInputError(
      'COLUMN_KIND_MISMATCH',
      `column ${show(column)} is ${t} (${kindOf(t)}), but the model was trained on it as ${kind}; cast it back to the type it had at training time.`,
      { column, value: t },
    );
  }
  switch (classifySqlType(t)) {
    case 'numeric':
      if (/^(double|float8)$/.test(t)) return quoted;
      if (/^(real|float|float4)$/.test(t) || /^(decimal|numeric)\b/.test(t)) return `CAST(CAST(${quoted} AS varchar) AS double)`;
      return `CAST(${quoted} AS double)`;
    case 'date':
      return `CAST(date_diff('day', DATE '1970-01-01', ${quoted}) AS double)`;
    case 'timestamp':
      return `date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', ${quoted}) / 86400000e0`;
    case 'timestamptz':
      return `to_unixtime(${quoted}) / 86400e0`;
    case 'boolean':
      return `CAST(${quoted} AS varchar)`;
    case 'text':
      return /^(varchar|string|text)\b/.test(t) ? quoted : `CAST(${quoted} AS varchar)`;
    case 'other':
      if (/^(array|map|row)\b/.test(t)) return `json_format(CAST(${quoted} AS json))`;
      if (/^varbinary/.test(t)) return `to_hex(${quoted})`;
      return `CAST(${quoted} AS varchar)`;
  }
}

/**
 * The category text of the DOUBLE `d` (a numeric read expression) for a numeric column read as
 * categorical (the `categorical` option): for an integer within +/-(2^53 - 1) its decimal digits
 * through BIGINT, exactly JavaScript's `String(x)` of that double (-0 gives `0`); NULL stays
 * NULL. Training refuses any other value, so the kept values are all such digits; any other
 * number (a fraction, a larger magnitude, NaN) gets Trino's own text, which never equals digits
 * of a safe integer: an unseen value, as in the engine (whose text differs but is not kept
 * either). No BIGINT cast is reached for a value out of its range.
 */
export function codeTextExpression(d: string): string {
  return `CASE WHEN ${d} = floor(${d}) AND abs(${d}) <= 9007199254740991e0 THEN CAST(CAST(${d} AS bigint) AS varchar) ELSE CAST(${d} AS varchar) END`;
}

/** Rows whose DOUBLE `d` is not a value the `categorical` option accepts (NULL is fine): counted as codes.ts `isIntegerCode` decides. */
export function nonIntegerCodeCount(d: string): string {
  return `count_if(NOT (${d} = floor(${d}) AND abs(${d}) <= 9007199254740991e0))`;
}
