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
  /**
   * The table's row count, when known (e.g. from the profile): the top-n then sees only rows
   * whose key is below a bound that about 1.2 x `size` of them pass (the key is uniform), not
   * every row. The sample is the same as long as at least `size` rows pass, which the caller
   * checks (fewer rows than min(size, rows) back: run it again without `rows`).
   */
  readonly rows?: number;
}

/**
 * The 8-byte big-endian bound of the prefilter: rows * bound / 2^64 is about 1.2 size plus 8
 * standard deviations and 100, so fewer than `size` rows pass with a probability far below 1e-12.
 * Null when the filter would keep (nearly) everything.
 */
export function sampleKeyBound(size: number, rows: number): string | null {
  const p = (1.2 * size + 8 * Math.sqrt(size) + 100) / rows;
  if (!(p < 0.9)) return null;
  const bound = BigInt(Math.ceil(p * 2 ** 53)) << 11n; // p * 2^64, rounded up
  return bound.toString(16).padStart(16, '0').toUpperCase();
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
  const bound = spec.rows !== undefined && spec.rows > 0 ? sampleKeyBound(spec.size, spec.rows) : null;
  const where = bound === null ? '' : ` WHERE ${sampleKey(id, spec.seed)} < X'${bound}'`;
  return `SELECT ${spec.select ?? '*'} FROM ${spec.from}${where} ORDER BY ${sampleKey(id, spec.seed)}, CAST(${id} AS varchar) LIMIT ${spec.size}`;
}
