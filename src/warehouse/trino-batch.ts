/**
 * How the rows of a table travel inside an INSERT (or CREATE TABLE AS) statement: per column one
 * JSON array in a SQL string literal, UNNESTed and CAST inside Trino. What Trino parses and
 * casts per row is what bounds the write-back, so each column takes the most compact form that
 * still round-trips exactly:
 *
 * - constant (one value, or only NULLs, in every row: run_id, created_at): no array at all, a
 *   single `CAST('<text>' AS <type>)` in the SELECT;
 * - integer types: JSON numbers cast to array(bigint) (no quotes, and Trino reads the digits as a
 *   long: exact over the whole bigint range);
 * - few distinct values (up to DICTIONARY_MAX: segment labels, reasons): the distinct texts once
 *   per statement, and per row its index, an integer;
 * - anything else: the canonical text (encode.ts) of each value as a JSON string, CAST from varchar.
 *
 * Measured on 1.5M segment rows into the memory connector (bench/README.md): the plain text form
 * of every column made about 100 characters per row; these forms make about 12.
 */
import { encodeValue, outputClass } from './encode';
import { WarehouseInputError } from './errors';
import { quoteIdentifier } from './identifiers';
import type { OutputTable } from './warehouse';

/** Columns with more distinct values than this are sent value by value. */
const DICTIONARY_MAX = 1000;
/**
 * A dictionary's JSON text is repeated in every statement: at most this, and at most an eighth of
 * a statement's share per column, so that dictionaries never crowd out the rows.
 */
const DICTIONARY_MAX_CHARS = 20_000;

/** JSON inside a SQL string literal: quotes doubled for SQL, everything else JSON-escaped. */
function jsonInSql(text: string): string {
  return JSON.stringify(text).replace(/'/g, "''");
}

/** A SQL string literal: Trino strings have no backslash escapes, only '' for a quote. */
function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

interface ColumnPlan {
  /** The SELECT item; `alias` is the column's UNNEST alias when it has an array. */
  readonly select: (alias: string) => string;
  /** Element type of the array; undefined for a constant column (no array). */
  readonly arrayType?: 'varchar' | 'bigint';
  /** Row i's JSON token, already escaped for the SQL literal. */
  readonly token?: (i: number) => string;
}

/** A canonical integer as a JSON number: JSON has no leading zeros (`007`, `-0`). */
function integerToken(text: string): string {
  return /^-?0\d/.test(text) || text === '-0' ? BigInt(text).toString() : text;
}

function planColumn(table: OutputTable, j: number, forceArray: boolean, dictionaryChars: number): ColumnPlan {
  const col = table.columns[j];
  const cls = outputClass(col.sqlType);
  const type = col.sqlType;
  const name = quoteIdentifier(col.name);
  const encode = (i: number): string | null => encodeValue(col.values[i], cls, col.name, i);
  const isInteger = cls === 'integer' && /^(tinyint|smallint|integer|int|bigint)$/i.test(type.trim());

  // One pass over the raw values (a Date by its time), given up once the column proves too
  // varied. Each distinct raw value is encoded (and so validated) once: equal values encode equally.
  const codes = new Int32Array(table.rowCount);
  const byValue = new Map<unknown, number>();
  const byTime = new Map<number, number>();
  const index = new Map<string, number>();
  let chars = 0;
  let small = table.rowCount > 0;
  for (let i = 0; i < table.rowCount && small; i++) {
    const value = col.values[i];
    const seen = value instanceof Date ? byTime : byValue;
    const key = value instanceof Date ? value.getTime() : value;
    let code = seen.get(key as number);
    if (code === undefined) {
      const text = encode(i);
      code = text === null ? -1 : index.get(text);
      if (code === undefined) {
        index.set(text!, (code = index.size));
        chars += text!.length + 3;
        if (index.size > DICTIONARY_MAX || chars > dictionaryChars) small = false;
      }
      seen.set(key as number, code);
    }
    codes[i] = code;
  }
  const dict = small ? [...index.keys()] : undefined;

  if (dict && dict.length <= 1 && !forceArray) {
    const value = dict.length === 0 ? 'NULL' : sqlString(dict[0]);
    return { select: () => `CAST(${value} AS ${type}) AS ${name}` };
  }
  if (isInteger) {
    return {
      select: (alias) => `CAST(${alias} AS ${type}) AS ${name}`,
      arrayType: 'bigint',
      token: (i) => {
        const text = encode(i);
        return text === null ? 'null' : integerToken(text);
      },
    };
  }
  if (dict) {
    const literal = `CAST(json_parse('[${dict.map(jsonInSql).join(',')}]') AS array(varchar))`;
    return {
      // element_at is 1-based, and NULL at a NULL index.
      select: (alias) => `CAST(element_at(${literal}, ${alias}) AS ${type}) AS ${name}`,
      arrayType: 'bigint',
      token: (i) => (codes[i] < 0 ? 'null' : String(codes[i] + 1)),
    };
  }
  return {
    select: (alias) => `CAST(${alias} AS ${type}) AS ${name}`,
    arrayType: 'varchar',
    token: (i) => {
      const text = encode(i);
      return text === null ? 'null' : jsonInSql(text);
    },
  };
}

/** Cuts a table's rows into statements of at most `maxChars` characters. */
export class BatchEncoder {
  private readonly plans: ColumnPlan[];
  private readonly arrays: number[];
  private readonly head: string;
  private readonly tail: string;
  /** Characters of a statement before any row: the longest prefix, the SELECT (dictionaries included), the empty arrays. */
  readonly fixed: number;
  private parts: string[][];
  private size: number;
  private rows = 0;

  constructor(
    table: OutputTable,
    private readonly maxChars: number,
    prefixChars: number,
  ) {
    const cols = table.columns;
    const dictionaryChars = Math.min(DICTIONARY_MAX_CHARS, Math.floor(maxChars / (8 * cols.length)));
    let plans = cols.map((_, j) => planColumn(table, j, false, dictionaryChars));
    // UNNEST needs one array to give the statement its rows.
    if (plans.every((p) => p.arrayType === undefined)) plans = [planColumn(table, 0, true, dictionaryChars), ...plans.slice(1)];
    this.plans = plans;
    this.arrays = plans.flatMap((p, j) => (p.arrayType === undefined ? [] : [j]));
    const aliases = this.arrays.map((j) => `c${j}`);
    this.head = `SELECT ${plans.map((p, j) => p.select(`c${j}`)).join(', ')} FROM UNNEST(`;
    this.tail = `) AS u(${aliases.join(', ')})`;
    const perArray = "CAST(json_parse('[]') AS array(varchar)), ".length;
    this.fixed = prefixChars + this.head.length + this.tail.length + this.arrays.length * perArray;
    this.parts = this.arrays.map(() => []);
    this.size = this.fixed;
  }

  get pendingRows(): number {
    return this.rows;
  }

  /**
   * Adds row i; returns false (row not added) when it would make the statement too long: take()
   * the statement, then add it again.
   */
  add(i: number): boolean {
    let rowSize = 0;
    const tokens = this.arrays.map((j) => {
      const t = this.plans[j].token!(i);
      rowSize += t.length + 1;
      return t;
    });
    if (this.fixed + rowSize > this.maxChars) {
      throw new WarehouseInputError('INVALID_VALUE', `row ${i} is too large for one Trino statement (${rowSize} characters)`);
    }
    if (this.rows > 0 && this.size + rowSize > this.maxChars) return false;
    for (let a = 0; a < tokens.length; a++) this.parts[a].push(tokens[a]);
    this.size += rowSize;
    this.rows++;
    return true;
  }

  /** The SELECT of the rows added since the last take, and their number. */
  take(): { select: string; rows: number } {
    const arrays = this.arrays.map((j, a) => `CAST(json_parse('[${this.parts[a].join(',')}]') AS array(${this.plans[j].arrayType}))`).join(', ');
    const out = { select: this.head + arrays + this.tail, rows: this.rows };
    this.parts = this.arrays.map(() => []);
    this.size = this.fixed;
    this.rows = 0;
    return out;
  }
}
