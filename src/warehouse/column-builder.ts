/**
 * Grows one ColumnarTable column batch by batch: typed arrays that double when full, so a scan
 * of unknown length never holds rows as JS objects and copies each value O(1) times amortized.
 */
import type { InputColumn } from '../segmentation/table';

export interface ColumnBuilder {
  /** Appends one value as delivered by the warehouse driver (number, numeric string, boolean, string, null). */
  push(value: unknown): void;
  finish(): InputColumn;
}

export class NumericColumnBuilder implements ColumnBuilder {
  private values = new Float64Array(1024);
  private nulls = new Uint8Array(1024);
  private length = 0;

  constructor(
    private readonly name: string,
    private readonly sourceType: string,
  ) {}

  push(value: unknown): void {
    if (this.length === this.values.length) this.grow();
    if (value === null || value === undefined) {
      this.nulls[this.length] = 1;
    } else {
      // Drivers hand decimals (and Trino NaN/Infinity) over as strings; Number() parses both.
      this.values[this.length] = typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : Number(value as string);
    }
    this.length++;
  }

  private grow(): void {
    const values = new Float64Array(this.values.length * 2);
    values.set(this.values);
    const nulls = new Uint8Array(this.nulls.length * 2);
    nulls.set(this.nulls);
    this.values = values;
    this.nulls = nulls;
  }

  finish(): InputColumn {
    return { name: this.name, kind: 'numeric', sourceType: this.sourceType, values: this.values.slice(0, this.length), nulls: this.nulls.slice(0, this.length) };
  }
}

/** Distinct values a categorical builder shares one string object for; past this the column is too unique to gain from it. */
const INTERN_LIMIT = 4096;

/**
 * Strings as delivered, except that up to INTERN_LIMIT distinct values are interned: a driver
 * hands over a new string object for every row (JSON.parse, DuckDB's vectors), so a segment
 * column of 1.5M rows would otherwise hold 1.5M copies of a handful of words.
 */
export class CategoricalColumnBuilder implements ColumnBuilder {
  private readonly values: (string | null)[] = [];
  private interned: Map<string, string> | undefined = new Map();

  constructor(
    private readonly name: string,
    private readonly sourceType: string,
  ) {}

  push(value: unknown): void {
    if (value === null || value === undefined) this.values.push(null);
    else this.values.push(this.intern(typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value)));
  }

  private intern(text: string): string {
    const interned = this.interned;
    if (interned === undefined) return text;
    const known = interned.get(text);
    if (known !== undefined) return known;
    if (interned.size >= INTERN_LIMIT) {
      this.interned = undefined;
      return text;
    }
    interned.set(text, text);
    return text;
  }

  finish(): InputColumn {
    return { name: this.name, kind: 'categorical', sourceType: this.sourceType, values: this.values };
  }
}

export function columnBuilder(name: string, sourceType: string, kind: 'numeric' | 'categorical'): ColumnBuilder {
  return kind === 'numeric' ? new NumericColumnBuilder(name, sourceType) : new CategoricalColumnBuilder(name, sourceType);
}
