/**
 * A seeded sample taken inside Trino, for pushdown mode (k scoring and training on a sample, the
 * full table never leaving the warehouse).
 *
 * Bottom-k sampling by hash: each row's key is xxhash64 of `<seed>:<user id>`, and the sample is
 * the `size` rows with the smallest keys (ties, which need equal ids, broken by the id). With a
 * uniform hash this is a uniform sample without replacement, and it depends only on the seed and
 * the set of user ids: not on row order, file splits, the number of Trino workers or when the
 * query runs. A grown table keeps most of yesterday's sample (a row stays in while fewer than
 * `size` keys fall below its own). Trino evaluates `ORDER BY ... LIMIT` as a distributed top-n:
 * one scan, memory proportional to `size`, not to the table.
 */
import { WarehouseInputError } from './errors';
import { checkIdentifier, quoteIdentifier } from './identifiers';

export interface SampleSpec {
  /** The FROM clause: a quoted table reference or a parenthesised subquery with an alias. */
  readonly from: string;
  /** The user id column (a plain identifier). */
  readonly userId: string;
  /** 0 .. 2^32-1, as the engine's seed. */
  readonly seed: number;
  /** Rows wanted; the whole table when it has fewer. */
  readonly size: number;
  /** The select list; `*` by default. */
  readonly select?: string;
}

/** The row key of bottom-k sampling: a 64-bit hash of the seed and the id's text. */
export function sampleKey(userIdSql: string, seed: number): string {
  return `xxhash64(to_utf8('${seed}:' || CAST(${userIdSql} AS varchar)))`;
}

/** A SELECT returning the seeded sample of `spec.size` rows. */
export function sampleSelect(spec: SampleSpec): string {
  if (!Number.isInteger(spec.seed) || spec.seed < 0 || spec.seed > 0xffff_ffff) {
    throw new WarehouseInputError('INVALID_VALUE', `sample seed ${spec.seed} must be an integer from 0 to 4294967295`);
  }
  if (!Number.isInteger(spec.size) || spec.size < 1) throw new WarehouseInputError('INVALID_VALUE', `sample size ${spec.size} must be a positive integer`);
  const id = quoteIdentifier(checkIdentifier(spec.userId, 'user id column name'));
  return `SELECT ${spec.select ?? '*'} FROM ${spec.from} ORDER BY ${sampleKey(id, spec.seed)}, CAST(${id} AS varchar) LIMIT ${spec.size}`;
}
