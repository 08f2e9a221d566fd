/** How the stage store keeps a column of strings (a table's categorical column, the user ids). */
import { canonicalInteger } from '../segmentation/userIds';

/**
 * How a string column is stored: `integers` when every value is a canonical non-negative
 * integer below 2^53 (user ids, mostly: one float64 each, NaN for null, no string kept);
 * else `dict`, a dictionary (UTF-8 JSON) plus one Int32 code per row (-1 for null), unless
 * more than half the values are distinct, when `plain` (one JSON array) is cheaper than the map.
 */
export type StringEncoding = 'integers' | 'dict' | 'plain';

export function encodeStrings(values: ReadonlyArray<string | null>): { encoding: StringEncoding; segments: ArrayBufferView[] } {
  const asIntegers = canonicalIntegers(values);
  if (asIntegers) return { encoding: 'integers', segments: [asIntegers] };
  const index = new Map<string, number>();
  const dict: string[] = [];
  const codes = new Int32Array(values.length);
  const limit = values.length / 2;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      codes[i] = -1;
      continue;
    }
    let code = index.get(v);
    if (code === undefined) {
      if (dict.length >= limit) return { encoding: 'plain', segments: [Buffer.from(JSON.stringify(values), 'utf8')] };
      code = dict.length;
      index.set(v, code);
      dict.push(v);
    }
    codes[i] = code;
  }
  return { encoding: 'dict', segments: [Buffer.from(JSON.stringify(dict), 'utf8'), codes] };
}

/** The values as float64 (NaN for null) when each is digits without a leading zero, below 2^53; else undefined. */
function canonicalIntegers(values: ReadonlyArray<string | null>): Float64Array | undefined {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) {
      out[i] = NaN;
      continue;
    }
    const value = canonicalInteger(v);
    if (value === undefined) return undefined;
    out[i] = value;
  }
  return out;
}

/** Segments each encoding writes. */
export const SEGMENTS_OF: Record<StringEncoding, number> = { integers: 1, dict: 2, plain: 1 };

export function decodeStrings(encoding: StringEncoding, segments: readonly ArrayBuffer[]): (string | null)[] {
  if (encoding === 'plain') return JSON.parse(Buffer.from(segments[0]).toString('utf8')) as (string | null)[];
  if (encoding === 'integers') {
    const v = new Float64Array(segments[0]);
    const out = new Array<string | null>(v.length);
    for (let i = 0; i < v.length; i++) out[i] = v[i] !== v[i] ? null : String(v[i]);
    return out;
  }
  const dict = JSON.parse(Buffer.from(segments[0]).toString('utf8')) as string[];
  const codes = new Int32Array(segments[1]);
  const out = new Array<string | null>(codes.length);
  for (let i = 0; i < codes.length; i++) out[i] = codes[i] < 0 ? null : dict[codes[i]];
  return out;
}
