import type { ColumnarTable, InputColumn } from '../../src/segmentation/table';
import { Rng } from '../../src/segmentation/rng';
import { SegmentationInputError, type SegmentationErrorCode } from '../../src/segmentation/errors';
import assert from 'node:assert/strict';

/** A numeric column; `null` entries become SQL NULLs (value slot 0, null flag 1). */
export function num(name: string, values: ReadonlyArray<number | null>, sourceType?: string): InputColumn {
  const v = new Float64Array(values.length);
  const nulls = new Uint8Array(values.length);
  values.forEach((x, i) => {
    if (x === null) nulls[i] = 1;
    else v[i] = x;
  });
  return sourceType === undefined ? { name, kind: 'numeric', values: v, nulls } : { name, kind: 'numeric', sourceType, values: v, nulls };
}

/** A categorical column. */
export function cat(name: string, values: ReadonlyArray<string | null>): InputColumn {
  return { name, kind: 'categorical', values: [...values] };
}

/** `u0`, `u1`, ... as the user id column `id`. */
export function ids(n: number, name = 'id'): InputColumn {
  return cat(
    name,
    Array.from({ length: n }, (_, i) => `u${i}`),
  );
}

/** A table from columns; rowCount from the first column. */
export function table(columns: InputColumn[], name = 'test.customers'): ColumnarTable {
  return { name, rowCount: columns[0]?.values?.length ?? 0, columns };
}

/** `value` repeated `count` times. */
export function rep<T>(value: T, count: number): T[] {
  return Array.from({ length: count }, () => value);
}

/**
 * A synthetic customers table with three behaviour groups: spend, visits, country, membership,
 * plus an id, an email and the `time` column; some nulls. Deterministic from `seed`.
 */
export function customers(n: number, seed = 1): ColumnarTable {
  const rng = new Rng(seed);
  const spend: (number | null)[] = [];
  const visits: number[] = [];
  const country: (string | null)[] = [];
  const member: string[] = [];
  for (let i = 0; i < n; i++) {
    const g = rng.nextInt(3);
    spend.push(rng.nextFloat() < 0.04 ? null : [20, 200, 2000][g] * (0.8 + 0.4 * rng.nextFloat()));
    visits.push([1, 6, 25][(g + (rng.nextFloat() < 0.2 ? 1 : 0)) % 3] + rng.nextInt(4));
    const r = rng.nextFloat();
    country.push(r < 0.04 ? null : r < 0.12 ? `X${rng.nextInt(40)}` : ['JP', 'US', 'FR'][g]);
    member.push(g === 2 || rng.nextFloat() < 0.05 ? 'true' : 'false');
  }
  return table(
    [
      ids(n, 'td_canonical_id'),
      cat(
        'email',
        Array.from({ length: n }, (_, i) => `user${i}@example.com`),
      ),
      num('total_spend', spend, 'double'),
      num('visits', visits, 'bigint'),
      cat('country', country),
      cat('is_member', member),
      num(
        'time',
        Array.from({ length: n }, (_, i) => 1_700_000_000 + i),
        'bigint',
      ),
    ],
    'memory.default.customers',
  );
}

/** Asserts `f` throws a SegmentationInputError with `code` whose message contains every one of `mentions`. */
export function throwsInput(f: () => unknown, code: SegmentationErrorCode, ...mentions: string[]): SegmentationInputError {
  let caught: unknown;
  try {
    f();
  } catch (e) {
    caught = e;
  }
  assert.ok(caught instanceof SegmentationInputError, `expected SegmentationInputError ${code}, got ${String(caught)}`);
  assert.equal(caught.code, code, caught.message);
  for (const m of mentions) assert.ok(caught.message.includes(m), `message should mention ${JSON.stringify(m)}: ${caught.message}`);
  return caught;
}
