/** The user id column as the row key: its values as text, checked to be present, non-null and unique. */
import { SegmentationInputError, show } from './errors';
import type { ColumnarTable } from './table';

/** The user ids as text; USER_ID_MISSING / USER_ID_NULL / USER_ID_DUPLICATE when they are not a key. */
export function readUserIds(table: ColumnarTable, userId: string): string[] {
  const c = table.columns.find((x) => x.name === userId);
  if (c === undefined) {
    const names = table.columns.map((x) => x.name);
    const hint = names.find((nm) => nm.toLowerCase() === userId.toLowerCase());
    throw new SegmentationInputError(
      'USER_ID_MISSING',
      `table ${table.name} has no user id column ${show(userId)}${hint ? ` (did you mean ${show(hint)}?)` : ''}; set userId to one of: ${names.slice(0, 20).join(', ')}${names.length > 20 ? ', ...' : ''}.`,
      { table: table.name, column: userId, details: { columns: names } },
    );
  }
  if (c.kind === 'counted') throw new Error(`user id column ${userId} was only counted, not read`);
  const n = table.rowCount;
  const ids: string[] = new Array<string>(n);
  // Rows in user-id order (the extract stage sorts them) hold duplicates side by side: then
  // comparing neighbours finds the same first duplicate as a set of millions of strings would.
  let sorted = true;
  let seen: Set<string> | undefined;
  for (let i = 0; i < n; i++) {
    let id: string;
    if (c.kind === 'numeric') {
      if (c.nulls[i] !== 0) throw nullId(table, userId, i);
      const v = c.values[i];
      if (v - v !== 0)
        throw new SegmentationInputError('NON_FINITE_VALUE', `user id column ${show(userId)} of table ${table.name} has the value ${v} at row ${i}; user ids must be real identifiers.`, {
          table: table.name,
          column: userId,
          value: String(v),
          row: i,
        });
      id = String(v);
    } else {
      const v = c.values[i];
      if (v === null) throw nullId(table, userId, i);
      id = v;
    }
    if (sorted && i > 0) {
      const prev = ids[i - 1];
      if (id.length < prev.length || (id.length === prev.length && id < prev)) {
        sorted = false;
        seen = new Set(ids.slice(0, i));
      }
    }
    if (sorted ? i > 0 && ids[i - 1] === id : seen!.has(id)) {
      const before = ids.indexOf(id);
      throw new SegmentationInputError(
        'USER_ID_DUPLICATE',
        `user id ${show(id)} appears more than once in column ${show(userId)} of table ${table.name} (rows ${before} and ${i}); the table must have one row per customer: aggregate or deduplicate it first.`,
        { table: table.name, column: userId, value: id, row: i, details: { firstRow: before } },
      );
    }
    seen?.add(id);
    ids[i] = id;
  }
  return ids;
}

function nullId(table: ColumnarTable, userId: string, row: number): SegmentationInputError {
  return new SegmentationInputError(
    'USER_ID_NULL',
    `user id column ${show(userId)} of table ${table.name} is NULL at row ${row}; every customer needs an id: filter those rows out or fill the id upstream.`,
    {
      table: table.name,
      column: userId,
      value: 'NULL',
      row,
    },
  );
}

/**
 * The value of `text` when it is a canonical non-negative integer (digits, no leading zero) of
 * at most 15 digits, so below 2^53 and String(value) === text; else undefined. Such ids sort
 * numerically in user-id order and can be held as numbers.
 */
export function canonicalInteger(text: string): number | undefined {
  if (text.length === 0 || text.length > 15 || (text.length > 1 && text.charCodeAt(0) === 48)) return undefined;
  for (let j = 0; j < text.length; j++) {
    const ch = text.charCodeAt(j);
    if (ch < 48 || ch > 57) return undefined;
  }
  return Number(text);
}
