/**
 * SQL literals for the compiled model: numbers that Trino reads back as the very same DOUBLE,
 * and string literals that hold any text.
 */
import { WarehouseInputError } from '../errors';

/**
 * A Trino DOUBLE literal holding exactly `x`: JavaScript's shortest round-trip digits with an
 * exponent (`0.1` -> `0.1e0`, `1.2345678901234567e-5`, `1e+21`), so Trino's parser (a decimal
 * number with an exponent is a DOUBLE, read with Java's correctly rounded `Double.parseDouble`)
 * gets the same bits. Without the exponent Trino would read a DECIMAL. Negative values are
 * wrapped in parentheses (`(-2.5e0)`, also `(-0e0)` for negative zero), so that `a - (-1e0)` can
 * never turn into a `--` comment. Infinity and NaN have no literal: RangeError.
 */
export function doubleLiteral(x: number): string {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw new RangeError(`no DOUBLE literal for the non-finite number ${String(x)}`);
  const negative = x < 0 || Object.is(x, -0);
  const digits = String(Math.abs(x));
  const literal = /e/.test(digits) ? digits : `${digits}e0`;
  return negative ? `(-${literal})` : literal;
}

/** The number a {@link doubleLiteral} denotes (for tests and checks). */
export function parseDoubleLiteral(literal: string): number {
  const m = /^\((-)(.+)\)$/.exec(literal);
  return m ? -Number(m[2]) : Number(literal);
}

/** Characters kept as they are in a plain string literal: printable, no line or paragraph separators. */
const PLAIN_TEXT = /^[\u0020-\u007e\u00a0-\u2027\u202a-\ud7ff\ue000-\ufffd]*$/;

/**
 * A Trino VARCHAR literal holding exactly `text`: `'...'` with quotes doubled, or, when the text
 * holds control characters (new lines, NUL, ...), a Unicode literal `U&'...'` with those
 * characters as `\XXXX` / `\+XXXXXX` escapes. A lone UTF-16 surrogate cannot be stored in a
 * Trino VARCHAR (UTF-8): INVALID_VALUE.
 */
export function stringLiteral(text: string): string {
  if (PLAIN_TEXT.test(text)) return `'${text.replace(/'/g, "''")}'`;
  let out = '';
  for (const ch of text) {
    const cp = ch.codePointAt(0) as number;
    if (cp >= 0xd800 && cp <= 0xdfff) {
      throw new WarehouseInputError('INVALID_VALUE', `the text ${JSON.stringify(text)} holds a lone UTF-16 surrogate, which no Trino VARCHAR can hold`);
    }
    if (ch === "'") out += "''";
    else if (ch === '\\') out += '\\\\';
    else if (cp >= 0x20 && cp <= 0x7e) out += ch;
    else if (cp <= 0xffff) out += `\\${cp.toString(16).toUpperCase().padStart(4, '0')}`;
    else out += `\\+${cp.toString(16).toUpperCase().padStart(6, '0')}`;
  }
  return `U&'${out}'`;
}

/**
 * The WHEN branches and ELSE of a CASE picking the lowest c in 0..k-1 whose `value(c)` is <= every
 * later one: the lowest index among the exact minima, the engine's tie rule (k >= 2).
 */
export function lowestMinimumBranches(k: number, value: (c: number) => string): string {
  const whens: string[] = [];
  for (let c = 0; c < k - 1; c++) {
    const conds: string[] = [];
    for (let o = c + 1; o < k; o++) conds.push(`${value(c)} <= ${value(o)}`);
    whens.push(`WHEN ${conds.join(' AND ')} THEN ${c}`);
  }
  return `${whens.join('\n      ')}\n      ELSE ${k - 1}`;
}
