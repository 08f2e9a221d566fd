import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hungarian, matchToPrevious } from '../../src/segmentation/stableIds';

function bruteForceMin(cost: number[][]): number {
  const n = cost.length;
  let best = Infinity;
  const perm = (used: boolean[], row: number, acc: number): void => {
    if (row === n) {
      best = Math.min(best, acc);
      return;
    }
    for (let j = 0; j < n; j++)
      if (!used[j]) {
        used[j] = true;
        perm(used, row + 1, acc + cost[row][j]);
        used[j] = false;
      }
  };
  perm(new Array(n).fill(false), 0, 0);
  return best;
}

test('hungarian finds the minimum-cost assignment (checked against brute force)', () => {
  let seed = 12345;
  const rand = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
  for (let trial = 0; trial < 30; trial++) {
    const n = 1 + (trial % 6);
    const cost = Array.from({ length: n }, () => Array.from({ length: n }, () => Math.round(rand() * 100)));
    const a = hungarian(Float64Array.from(cost.flat()), n);
    assert.deepEqual(
      [...a].sort((x, y) => x - y),
      [...Array(n).keys()],
      'a permutation',
    );
    const total = [...a].reduce((s, j, i) => s + cost[i][j], 0);
    assert.equal(total, bruteForceMin(cost));
  }
});

test('new clusters found in another order get the previous numbers back', () => {
  const columns = ['a', 'b'];
  const previous = {
    columns,
    centroids: [
      [0, 0],
      [10, 0],
      [0, 10],
    ],
  };
  // The same three centres, fitted in another order and moved slightly.
  const fresh = Float64Array.from([0.2, 9.9, 0.1, -0.1, 9.8, 0.3]);
  const mapping = matchToPrevious(fresh, 3, columns, previous);
  assert.deepEqual([...mapping], [2, 0, 1]);
});

test('columns are matched by name, and a larger k keeps every previous number', () => {
  const previous = {
    columns: ['b', 'a'],
    centroids: [
      [0, 5],
      [5, 0],
    ],
  };
  // New run: columns in another order, one more cluster than before.
  const fresh = Float64Array.from([5, 0, 9, 9, 0, 5]); // (a, b) = (5,0) -> previous 0; (0,5) -> previous 1
  const mapping = matchToPrevious(fresh, 3, ['a', 'b'], previous);
  assert.deepEqual([...mapping], [0, 2, 1]);
});
