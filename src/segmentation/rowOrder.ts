import { canonicalInteger } from './userIds';
import type { ColumnarTable, InputColumn } from './table';

/**
 * The table's rows in a canonical order: by user id (shorter ids first, then by code unit, so
 * non-negative integer ids sort numerically). Warehouses return rows in no particular order
 * (Trino's does change between scans of the same table); sampling and k-means++ depend on row
 * positions, so without this the same data and seed could give different segments.
 * Rows with a null id keep their relative order at the end (engineering rejects them anyway).
 * Returns the table itself when the id column is missing or the rows are already in order.
 */
export function sortByUserId(table: ColumnarTable, userId: string): ColumnarTable {
  const idColumn = table.columns.find((c) => c.name === userId);
  if (!idColumn || idColumn.kind !== 'categorical') return table;
  const ids = idColumn.values;
  const order = integerIdOrder(ids) ?? comparedOrder(ids);
  if (order === null) return table;
  const columns: InputColumn[] = table.columns.map((c) => {
    if (c.kind === 'numeric') {
      const values = new Float64Array(order.length);
      const nulls = new Uint8Array(order.length);
      for (let i = 0; i < order.length; i++) {
        values[i] = c.values[order[i]];
        nulls[i] = c.nulls[order[i]];
      }
      return { ...c, values, nulls };
    }
    if (c.kind === 'counted') return c; // counts do not depend on the row order
    const values = new Array<string | null>(order.length);
    for (let i = 0; i < order.length; i++) values[i] = c.values[order[i]];
    return { ...c, values };
  });
  return { name: table.name, rowCount: table.rowCount, columns };
}

/** Rows by (length, code unit) of their ids, ties (and nulls, last) by position; null when already in that order. */
function comparedOrder(ids: ReadonlyArray<string | null>): ArrayLike<number> | null {
  const compare = (a: number, b: number): number => {
    const x = ids[a];
    const y = ids[b];
    if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : a - b;
  };
  let sorted = true;
  for (let i = 1; i < ids.length && sorted; i++) if (compare(i - 1, i) > 0) sorted = false;
  if (sorted) return null;
  return Array.from({ length: ids.length }, (_, i) => i).sort(compare);
}

/**
 * The same order as {@link comparedOrder} when every id is a canonical non-negative integer
 * (digits, no leading zero) small enough to share a float64 with its row number: then
 * (length, code unit) order is numeric order, and one native sort of `id * 2^b + row` (exact
 * below 2^53) replaces millions of string comparisons (Trino returns rows in no order).
 * Undefined when an id is not such an integer; null when the rows are in order already.
 */
function integerIdOrder(ids: ReadonlyArray<string | null>): ArrayLike<number> | null | undefined {
  const n = ids.length;
  const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  const limit = 2 ** (53 - bits);
  const keys = new Float64Array(n);
  let sorted = true;
  for (let i = 0; i < n; i++) {
    const id = ids[i];
    const v = id === null ? undefined : canonicalInteger(id);
    if (v === undefined || v >= limit) return undefined;
    keys[i] = v * 2 ** bits + i;
    if (i > 0 && keys[i] < keys[i - 1]) sorted = false;
  }
  if (sorted) return null;
  keys.sort();
  const order = new Int32Array(n);
  const scale = 2 ** bits;
  for (let i = 0; i < n; i++) order[i] = keys[i] % scale;
  return order;
}
