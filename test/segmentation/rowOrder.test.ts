import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sortByUserId } from '../../src/segmentation/rowOrder';
import type { ColumnarTable } from '../../src/segmentation/table';

test('rows are put in user id order (integer ids numerically), every column moved together', () => {
  const table: ColumnarTable = {
    name: 't',
    rowCount: 4,
    columns: [
      { name: 'id', kind: 'categorical', values: ['10', '9', null, '100'] },
      { name: 'spend', kind: 'numeric', values: Float64Array.from([1, 2, 0, 3]), nulls: Uint8Array.from([0, 0, 1, 0]) },
      { name: 'tier', kind: 'categorical', values: ['a', 'b', 'c', 'd'] },
    ],
  };
  const sorted = sortByUserId(table, 'id');
  assert.deepEqual(sorted.columns[0].values, ['9', '10', '100', null]);
  assert.deepEqual([...(sorted.columns[1].values as Float64Array)], [2, 1, 3, 0]);
  assert.deepEqual([...(sorted.columns[1] as { nulls: Uint8Array }).nulls], [0, 0, 0, 1]);
  assert.deepEqual(sorted.columns[2].values, ['b', 'a', 'd', 'c']);
});

test('a table in any row order gives the same sorted table', () => {
  const ids = Array.from({ length: 50 }, (_, i) => `u${(i * 37) % 50}`);
  const make = (perm: number[]): ColumnarTable => ({
    name: 't',
    rowCount: perm.length,
    columns: [
      { name: 'id', kind: 'categorical', values: perm.map((i) => ids[i]) },
      { name: 'x', kind: 'numeric', values: Float64Array.from(perm.map((i) => i * 1.5)), nulls: new Uint8Array(perm.length) },
    ],
  });
  const forward = sortByUserId(make(ids.map((_, i) => i)), 'id');
  const backward = sortByUserId(make(ids.map((_, i) => ids.length - 1 - i)), 'id');
  const plain = (t: ColumnarTable) => JSON.stringify(t.columns.map((c) => [c.name, Array.from(c.values as ArrayLike<unknown>)]));
  assert.equal(plain(backward), plain(forward));
});

test('integer ids (the native-sort path) and the same ids as text (the comparing path) give one order', () => {
  // Shuffled canonical integers of mixed lengths with duplicates, then the same with one non-integer id.
  const n = 5000;
  const ints = Array.from({ length: n }, (_, i) => String(((i * 7919) % 3001) * (i % 3 === 0 ? 1000 : 1)));
  const order = (ids: (string | null)[]) => {
    const t: ColumnarTable = {
      name: 't',
      rowCount: ids.length,
      columns: [
        { name: 'id', kind: 'categorical', values: ids },
        { name: 'row', kind: 'numeric', values: Float64Array.from(ids.keys()), nulls: new Uint8Array(ids.length) },
      ],
    };
    return Array.from(sortByUserId(t, 'id').columns[1].values as Float64Array);
  };
  const compared = (ids: (string | null)[]) =>
    Array.from(ids.keys()).sort((a, b) => {
      const [x, y] = [ids[a], ids[b]];
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      return x.length - y.length || (x < y ? -1 : x > y ? 1 : a - b);
    });
  assert.deepEqual(order(ints), compared(ints));
  const mixed = [...ints.slice(0, 100), 'x7', null, '007', ...ints.slice(100, 200)];
  assert.deepEqual(order(mixed), compared(mixed));
});
