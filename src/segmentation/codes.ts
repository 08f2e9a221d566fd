/**
 * Integer codes: numeric columns whose numbers are labels (a nation key, a store number, a
 * product category code), not quantities. Scaled as numbers, code 24 would sit closer to 23
 * than to 1, which means nothing. Two rules live here:
 *
 * - the `categorical` option (a per-column override): a numeric column listed there is treated
 *   as a categorical whose values are the numbers' decimal text (`25`, `-3`; NULL stays NULL).
 *   Every non-null value must be an integer within +/-(2^53 - 1) (a "safe" integer, whose
 *   double is exact and whose text is the same in JavaScript and Trino); anything else is a
 *   NON_INTEGER_CODE error at training time. When new rows are scored, any other number simply
 *   is not one of the kept values (it goes to `other`);
 * - the code warning ({@link codeWarning}): a numeric column kept as continuous is flagged in the
 *   data dictionary when it looks like a code. The rule needs both kinds of evidence, because
 *   neither is enough alone:
 *   - few distinct values: every value an integer, at most {@link CODE_MAX_DISTINCT} distinct
 *     values, and at least {@link CODE_MIN_ROWS_PER_VALUE} rows per value on average (so a
 *     small table where everything has few values is not flagged);
 *   - a key-like name ({@link isCodeLikeName}): the last word is id, key, code, cd, no, nr, zip,
 *     zipcode, postcode, type, category or status, or the name ends in `key` (tpch's
 *     `nationkey`), or a word starts with `zip` or `postal`.
 *   Few consecutive small integers alone are not evidence: ratings (1..5), household sizes or
 *   order counts look exactly like that and are meaningfully ordered; the name is what tells a
 *   code from a count. A warning never changes the treatment: it says how to override it.
 */
import { SegmentationInputError, show } from './errors';
import type { ColumnarTable, InputColumn } from './table';

/** At most this many distinct values for the code warning. */
export const CODE_MAX_DISTINCT = 50;
/** At least this many rows per distinct value (on average) for the code warning. */
export const CODE_MIN_ROWS_PER_VALUE = 5;

const CODE_LAST_WORDS = new Set(['id', 'key', 'code', 'cd', 'no', 'nr', 'zip', 'zipcode', 'postcode', 'type', 'category', 'status']);

/** The words of a column name: split at non-alphanumerics and camelCase humps, lower case. */
function words(column: string): string[] {
  return column
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** True when a column name looks like it holds codes (see the module comment). */
export function isCodeLikeName(column: string): boolean {
  const ws = words(column);
  if (ws.length === 0) return false;
  const last = ws[ws.length - 1];
  return CODE_LAST_WORDS.has(last) || last.endsWith('key') || ws.some((w) => w.startsWith('zip') || w.startsWith('postal'));
}

/** True for a number a `categorical` column may hold at training time: an integer within +/-(2^53 - 1). */
export function isIntegerCode(x: number): boolean {
  return Number.isSafeInteger(x);
}

/** The category text of a number: its shortest decimal text (`25`; `-0` gives `0`). */
export function codeText(x: number): string {
  return String(x);
}

/** A numeric column as the categorical the `categorical` option reads: each value's text, NULL as null. */
export function textColumn(c: Extract<InputColumn, { kind: 'numeric' }>): Extract<InputColumn, { kind: 'categorical' }> {
  const values = new Array<string | null>(c.values.length);
  for (let i = 0; i < values.length; i++) values[i] = c.nulls[i] !== 0 ? null : codeText(c.values[i]);
  return c.sourceType === undefined ? { name: c.name, kind: 'categorical', values } : { name: c.name, kind: 'categorical', sourceType: c.sourceType, values };
}

/**
 * The NON_INTEGER_CODE error of a `categorical` column: `at` is the first bad value and its row
 * (a scan), or how many values are bad (a warehouse profile).
 */
export function nonIntegerCode(table: string, column: string, at: { readonly value: number; readonly row: number } | { readonly count: number }): SegmentationInputError {
  const one = 'row' in at || at.count === 1;
  const what = 'row' in at ? `the value ${at.value} at row ${at.row}` : `${at.count} value${one ? '' : 's'}`;
  return new SegmentationInputError(
    'NON_INTEGER_CODE',
    `column ${show(column)} of table ${table} is listed in categorical, but has ${what} that ${one ? 'is' : 'are'} not an integer within +/-(2^53 - 1); the categorical override is for integer codes: remove the column from categorical, or round or cast it upstream.`,
    'row' in at ? { table, column, value: String(at.value), row: at.row } : { table, column, details: { count: at.count } },
  );
}

/** Throws NON_INTEGER_CODE at the first non-null value of `c` that is not an integer code. */
export function checkIntegerCodes(table: ColumnarTable, c: Extract<InputColumn, { kind: 'numeric' }>): void {
  for (let i = 0; i < c.values.length; i++) {
    if (c.nulls[i] === 0 && !isIntegerCode(c.values[i])) throw nonIntegerCode(table.name, c.name, { value: c.values[i], row: i });
  }
}

/**
 * The numeric columns the `categorical` option turns categorical. Entries match whole column
 * names, case-insensitively; an entry that matches no column, names the user id or an already
 * categorical column only adds a warning.
 */
export function categoricalOverrides(
  table: { readonly name: string; readonly columns: ReadonlyArray<{ readonly name: string; readonly kind: 'numeric' | 'categorical' }> },
  entries: readonly string[],
  userId: string,
  warnings: string[],
): Set<string> {
  const out = new Set<string>();
  for (const entry of entries) {
    const matched = table.columns.filter((c) => c.name.toLowerCase() === entry.toLowerCase());
    if (matched.length === 0) warnings.push(`categorical entry ${show(entry)} matched no column of table ${table.name}.`);
    for (const c of matched) {
      if (c.name === userId) warnings.push(`categorical lists the user id column ${show(c.name)}; ignored.`);
      else if (c.kind === 'categorical') warnings.push(`categorical lists ${show(c.name)}, which is categorical already; nothing to change.`);
      else out.add(c.name);
    }
  }
  return out;
}

/**
 * The code warning of a numeric column kept as continuous (see the module comment), or null.
 * `integerValues` is whether every non-null value is an integer (known for code-like names).
 */
export function codeWarning(
  column: string,
  rowCount: number,
  s: { readonly distinctCount: number; readonly min: number; readonly max: number; readonly integerValues?: boolean },
  minCategoryShare: number,
): string | null {
  if (!isCodeLikeName(column) || s.integerValues !== true) return null;
  const d = s.distinctCount;
  if (d > CODE_MAX_DISTINCT || d * CODE_MIN_ROWS_PER_VALUE > rowCount) return null;
  // With more values than 1 / minCategoryShare, some fall under the share: say how to keep the frequent ones.
  const rare =
    d * minCategoryShare > 1 + 1e-9 ? `, with keepTopCategories (--keep-top-categories N) to keep its N most frequent values if none is on ${+(minCategoryShare * 100).toFixed(1)}% of rows` : '';
  return `looks like a code, not a quantity: ${d} distinct integer values (${s.min} to ${s.max}) on ${rowCount} rows and a key-like name, yet it is scaled as a number, so nearby codes count as similar. If the numbers are labels, list it in categorical (--categorical ${column})${rare}.`;
}
