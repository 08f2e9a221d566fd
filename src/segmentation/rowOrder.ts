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
  const order = Array.from({ length: table.rowCount }, (_, i) => i);
  const compare = (a: number, b: number): number => {
    const x = ids[a];
    const y = ids[b];
    if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
    if (x.length !== y.length) return x.length - y.length;
    return x < y ? -1 : x > y ? 1 : a - b;
  };
  let sorted = true;
  for (let i = 1; i < order.length && sorted; i++) if (compare(i - 1, i) > 0) sorted = false;
  if (sorted) return table;
  order.sort(compare);
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
    return { ...c, values: order.map((i) => c.values[i]) };
  });
  return { name: table.name, rowCount: table.rowCount, columns };
}
