/**
 * Pushdown profiling: the column profiles of feature engineering (src/segmentation/profile.ts)
 * computed inside Trino by aggregate queries, so the data dictionary of a table of any size is
 * built without scanning its rows out (`dictionaryFromProfiles`). The profiles equal those of
 * the scanned table, so the dictionary equals worker mode's.
 *
 * Queries, whatever the number of columns: the describe (`LIMIT 0`), then four scans:
 * 1. one aggregate: count(*), the user id's non-null and distinct counts, every column's
 *    non-null count, each categorical's exact distinct count (on a table of more than
 *    ESTIMATE_DISTINCT_ROWS rows its approx_distinct instead: a near-unique column is dropped on
 *    that estimate, the others are counted exactly by the GROUP BY of 2a), and for each
 *    numeric column not excluded: NaN / Infinity count, min, max, and the largest and smallest
 *    non-zero magnitudes (the range of the exact sum of scan 3);
 * 2a. for the categoricals whose values matter (not identifiers by their count, and not so
 *    near-unique that no value can be kept: `noValueCanBeKept`), one GROUP BY (column, value)
 *    over UNNEST(ARRAY[ROW(column index, value), ...]) and per column its top M values by a
 *    top-N row_number() in the engine's order (M = floor(1 / minCategoryShare) + 2 +
 *    OTHER_VALUES_LISTED >= the values the engine keeps plus those it lists), and on a table
 *    screened in scan 1 the column's number of groups (its exact distinct count). Memory is one
 *    group per distinct value; nothing is sorted but the top M (one query per column above
 *    SEPARATE_DISTINCT_ROWS rows, so that one query holds one column's values within Trino's
 *    per-query memory);
 * 2b. for the numerics still analysed, the same GROUP BY, then windows partitioned by column:
 *    the distinct count, the rank by count descending then value, and the cumulative count by
 *    value. Kept: the 2 most frequent values and the one or two at the median ranks. Exact;
 * 3. for the continuous columns, the exact sum: each value split into 30-bit integer chunks
 *    (floor(x * 2^b) differences, exact in double arithmetic), summed as BIGINT, recombined with
 *    BigInt and rounded once (exactSum.ts computes the same correctly rounded sum in process).
 *
 * Values are read with `readExpression` (sql-model/read.ts), the SQL that yields exactly what
 * the engine sees after a scan: numerics as double (REAL and DECIMAL through their text, as the
 * scan parses them), categoricals as varchar. Ordering: Trino orders varchar by code point, the
 * engine by UTF-16 code unit (they differ when one string has a character in U+E000..U+FFFF
 * where the other has one above U+FFFF); the top values are ranked on `utf16OrderKey(value)`,
 * whose code-point order is the engine's.
 *
 * A numeric column listed in the `categorical` option is profiled as a categorical of its
 * values' text (`codeTextExpression`), with two more counts in scan 1: its NaN / Infinity values
 * and its values that are not integer codes (either refuses the run, as in worker mode). A
 * numeric column with a code-like name (codes.ts) also gets its count of non-integer values in
 * scan 1, for the code warning.
 *
 * Limits: -0 and 0 are one value; a column whose non-zero magnitudes span more than
 * about 990 binary orders (e.g. 1e-300 and 1e+5) cannot get an exact sum and is refused.
 */
import { OTHER_VALUES_LISTED } from '../segmentation/dictionary';
import { categoricalOverrides, isCodeLikeName } from '../segmentation/codes';
import { ExclusionMatcher } from '../segmentation/columnRules';
import { pow2, scaledBigIntToDouble } from '../segmentation/exactSum';
import { parseOptions, type SegmentationOptionsInput } from '../segmentation/options';
import { needsStats, noValueCanBeKept, sortByCount, topLength, type ColumnProfile } from '../segmentation/profile';
import type { CategoryValue } from '../segmentation/dictionary';
import { WarehouseInputError } from './errors';
import { quoteIdentifier } from './identifiers';
import { codeTextExpression, nonIntegerCodeCount, readExpression } from './sql-model/read';
import { selectExpression, type TrinoWarehouse } from './trino';
import type { Source } from './warehouse';

export interface TrinoProfiles {
  /** The source's display name (as a scan names its table). */
  readonly name: string;
  readonly rowCount: number;
  /** One per column, in the source's column order. */
  readonly profiles: ColumnProfile[];
  /** The user id column's null and distinct counts (0 / 0 when it is missing). */
  readonly userId: { readonly nullCount: number; readonly distinctCount: number };
  /** The SQL of every query issued, in order ('describe' for the column lookup). */
  readonly queries: string[];
  /** Wall time of each query, in milliseconds. */
  readonly queryMs: number[];
}

interface Col {
  readonly name: string;
  readonly sqlType: string;
  readonly kind: 'numeric' | 'categorical';
  readonly expr: string;
  /** A numeric column read as text (the `categorical` option): its numeric read expression. */
  readonly numeric?: string;
}

const CHUNK_BITS = 30;
const num = (v: unknown): number => (v === null || v === undefined ? NaN : Number(v));
const dbl = (x: number): string => x.toExponential().toUpperCase();

/** Above this many rows (by the caller's count), the categoricals' GROUP BYs get one query each. */
export const SEPARATE_DISTINCT_ROWS = 2_000_000;
/**
 * Above this many rows (by the caller's count), each categorical is first screened by
 * approx_distinct in scan 1: a column whose estimate, less 6 standard errors, already leaves no
 * value able to reach minCategoryShare (`noValueCanBeKept`) is dropped as too unique without its
 * exact count, the one statistic of a near-unique text column that costs a hash set of all its
 * values (tpch sf100: about 18 s per column). The decision is the one the exact count gives
 * (drop); the dictionary marks the count as an estimate.
 */
export const ESTIMATE_DISTINCT_ROWS = 1_000_000;
/** The standard error asked of approx_distinct: the smallest Trino accepts. */
const APPROX_DISTINCT_ERROR = 0.0040625;
/**
 * Several count(DISTINCT) in one query: Trino's default plan (MarkDistinct per column) is about
 * twice as slow as independent sub-aggregations (tpch sf10, 6 distinct counts: 11.1 s vs 5.5 s).
 */
const SPLIT_DISTINCT_COUNTS = { distinct_aggregations_strategy: 'split_to_subqueries' } as const;

/**
 * The column profiles of `source`, computed inside Trino (see the module comment). `rowCountHint`
 * (e.g. the check stage's count(*)) only decides how the distinct counts are batched.
 */
export async function profileTrinoSource(warehouse: TrinoWarehouse, source: Source, options: SegmentationOptionsInput, signal?: AbortSignal, rowCountHint?: number): Promise<TrinoProfiles> {
  const opts = parseOptions(options);
  const queries: string[] = [];
  const queryMs: number[] = [];
  const run = async (sql: string, session?: Readonly<Record<string, string>>): Promise<unknown[][]> => {
    queries.push(sql);
    const t0 = performance.now();
    const { rows } = await warehouse.connection.execute(sql, undefined, signal, session);
    queryMs.push(Math.round(performance.now() - t0));
    return rows;
  };
  const from = warehouse.fromClause(source);
  queries.push('describe');
  const t0 = performance.now();
  const described = await warehouse.describe(source);
  queryMs.push(Math.round(performance.now() - t0));
  const uidName = described.find((c) => c.name === opts.userId)?.name ?? described.find((c) => c.name.toLowerCase() === opts.userId.toLowerCase())?.name;
  // The values the engine sees after a scan, computed in SQL: one rule shared with the model's SELECT.
  const asText = categoricalOverrides({ name: '', columns: described.filter((c) => c.name !== uidName) }, opts.categorical, opts.userId, []);
  const cols: Col[] = described.map((c) => {
    if (asText.has(c.name)) {
      const numeric = readExpression(quoteIdentifier(c.name), c.name, c.sqlType, 'numeric');
      return { name: c.name, sqlType: c.sqlType, kind: 'categorical', expr: codeTextExpression(numeric), numeric };
    }
    const kind = c.name === uidName ? 'categorical' : c.kind;
    const expr = c.name === uidName ? selectExpression(c.name, c.sqlType, true) : readExpression(quoteIdentifier(c.name), c.name, c.sqlType, kind);
    return { name: c.name, sqlType: c.sqlType, kind, expr };
  });
  const excl = new ExclusionMatcher(opts.exclude);
  const features = cols.filter((c) => c.name !== uidName);
  const numericCandidates = features.filter((c) => c.kind === 'numeric' && excl.match(c.name) === null);

  // 1. counts, ranges, non-finite values
  const q1: string[] = ['count(*)'];
  if (uidName !== undefined) {
    const u = cols.find((c) => c.name === uidName)!;
    // The distinct count of the id as the engine reads it (text); for integers and text the
    // column's own values have the same count and hash faster than their text.
    const distinctOf = /^(tinyint|smallint|integer|int|bigint|varchar|string|text)\b/i.test(u.sqlType.trim()) ? quoteIdentifier(u.name) : u.expr;
    q1.push(`count(${u.expr})`, `count(DISTINCT ${distinctOf})`);
  }
  for (const c of features) q1.push(`count(${c.expr})`);
  // Exact distinct counts of the categoricals: most are all a column needs (an identifier by its
  // count, or too many distinct values for any to be kept), and count(DISTINCT) in one scan costs
  // about half of one GROUP BY over UNNEST (tpch sf10: 8 s vs 15 s for 5 text columns).
  const categoricals = features.filter((c) => c.kind === 'categorical' && excl.match(c.name) === null);
  // Each distinct count holds its column's distinct values in memory: on a big table several
  // text columns at once exceed Trino's per-query memory (tpch sf100: > 4 GB), so there each
  // column still analysed is counted by a query of its own, one at a time.
  const separate = rowCountHint !== undefined && rowCountHint > SEPARATE_DISTINCT_ROWS;
  const screen = rowCountHint !== undefined && rowCountHint > ESTIMATE_DISTINCT_ROWS;
  if (screen) for (const c of categoricals) q1.push(`approx_distinct(${c.expr}, ${APPROX_DISTINCT_ERROR})`);
  else for (const c of categoricals) q1.push(`count(DISTINCT ${c.expr})`);
  for (const c of numericCandidates) {
    const d = c.expr;
    q1.push(`count_if(is_nan(${d}) OR is_infinite(${d}))`, `min(${d})`, `max(${d})`, `max(abs(${d}))`, `min(abs(${d})) FILTER (WHERE ${d} <> 0)`);
    if (isCodeLikeName(c.name)) q1.push(`count_if(${d} <> floor(${d}) OR is_infinite(${d}))`);
  }
  // Numeric columns read as text: their NaN / Infinity values and other non-integer codes.
  const fromNumeric = categoricals.filter((c) => c.numeric !== undefined);
  for (const c of fromNumeric) q1.push(`count_if(is_nan(${c.numeric!}) OR is_infinite(${c.numeric!}))`, nonIntegerCodeCount(c.numeric!));
  const [r1] = await run(`SELECT ${q1.join(', ')} FROM ${from.sql}`, SPLIT_DISTINCT_COUNTS);
  let at = 0;
  const n = num(r1[at++]);
  const userId = uidName !== undefined ? { nullCount: n - num(r1[at++]), distinctCount: num(r1[at++]) } : { nullCount: 0, distinctCount: 0 };
  const nullCount = new Map<string, number>();
  for (const c of features) nullCount.set(c.name, n - num(r1[at++]));
  // Exact distinct counts (scan 1 on a small table), else approx_distinct's estimates.
  const counted = new Map<string, number>();
  for (const c of categoricals) counted.set(c.name, num(r1[at++]));
  const range = new Map<string, { nonFinite: number; min: number; max: number; maxAbs: number; minAbs: number; nonInteger?: number }>();
  for (const c of numericCandidates) {
    const [nonFinite, mn, mx, maxAbs, minAbs] = r1.slice(at, (at += 5)).map(num);
    const nonInteger = isCodeLikeName(c.name) ? { nonInteger: num(r1[at++]) } : {};
    range.set(c.name, { nonFinite, min: Number.isNaN(mn) ? Infinity : mn, max: Number.isNaN(mx) ? -Infinity : mx, maxAbs, minAbs, ...nonInteger });
  }
  const badCodes = new Map<string, { nonFiniteCount: number; nonIntegerCount: number }>();
  for (const c of fromNumeric) badCodes.set(c.name, { nonFiniteCount: num(r1[at++]), nonIntegerCount: num(r1[at++]) });
  const usable = (c: Col): boolean => (c.numeric !== undefined ? badCodes.get(c.name)!.nonIntegerCount === 0 : c.kind === 'categorical' || range.get(c.name)!.nonFinite === 0);

  const analysed = n === 0 ? [] : features.filter((c) => needsStats(c.name, n, nullCount.get(c.name)!, opts, new ExclusionMatcher(opts.exclude)) && usable(c));
  const cats = analysed.filter((c) => c.kind === 'categorical');
  const nums = analysed.filter((c) => c.kind === 'numeric');

  // 2a. categoricals: distinct counts (NULL a value of its own), then the top values of those that need them
  const distinct = new Map<string, number>();
  const estimates = new Map<string, { lowerBound: number; standardError: number }>();
  const withNull = (c: Col): number => (nullCount.get(c.name)! > 0 ? 1 : 0);
  let uncounted: Col[] = [];
  if (screen) {
    for (const c of cats) {
      // approx_distinct ignores NULLs, and a column has at most one value per non-null row.
      const estimate = Math.min(counted.get(c.name)!, n - nullCount.get(c.name)!) + withNull(c);
      const lowerBound = Math.floor(counted.get(c.name)! * (1 - 6 * APPROX_DISTINCT_ERROR)) + withNull(c);
      if (noValueCanBeKept(lowerBound, n, opts.minCategoryShare)) {
        distinct.set(c.name, estimate);
        estimates.set(c.name, { lowerBound, standardError: APPROX_DISTINCT_ERROR });
      }
    }
    uncounted = cats.filter((c) => !estimates.has(c.name));
  } else {
    for (const c of cats) distinct.set(c.name, counted.get(c.name)! + withNull(c));
  }
  // Without screening, topLength is 0 for identifiers and near-unique columns whatever their
  // values: no GROUP BY for them. With it, the columns left are counted by their GROUP BY itself
  // (a window count of its groups, NULL one of them): no scan of their own.
  const needTop = screen ? uncounted : cats.filter((c) => topLength(c.name, [], distinct.get(c.name)!, n, opts.minCategoryShare, opts.keepTopCategories) > 0);
  const m = Math.max(Math.floor(1 / opts.minCategoryShare) + 2, opts.keepTopCategories) + OTHER_VALUES_LISTED;
  const topValues = new Map<string, { value: CategoryValue; count: number }[]>();
  for (const batch of separate ? needTop.map((c) => [c]) : needTop.length > 0 ? [needTop] : []) {
    for (const [i, value, count, dc] of await run(
      topValuesSql(
        from.sql,
        batch.map((c) => c.expr),
        m,
        screen,
      ),
    )) {
      const name = batch[num(i)].name;
      if (screen) distinct.set(name, num(dc));
      topValues.set(name, [...(topValues.get(name) ?? []), { value: value as CategoryValue, count: num(count) }]);
    }
  }

  // 2b. numerics: distinct counts, binary values, medians
  const grouped = new Map<string, { dc: number; nn: number; rows: { d: number; cnt: number; rn: number; cum: number }[] }>();
  if (nums.length > 0) {
    for (const [i, d, cnt, dc, nn, rn, cum] of await run(
      numericValuesSql(
        from.sql,
        nums.map((c) => c.expr),
      ),
    )) {
      const c = nums[num(i)];
      let g = grouped.get(c.name);
      if (g === undefined) grouped.set(c.name, (g = { dc: num(dc), nn: num(nn), rows: [] }));
      g.rows.push({ d: num(d), cnt: num(cnt), rn: num(rn), cum: num(cum) });
    }
  }

  // 3. exact sums of the continuous columns
  const continuous = nums.filter((c) => (grouped.get(c.name)?.dc ?? 0) >= 3);
  const sums = new Map<string, number>();
  const chunked = continuous.map((c) => ({ c, b: chunkScales(c.name, range.get(c.name)!) }));
  if (chunked.length > 0) {
    const list: string[] = [];
    for (const { c, b } of chunked) {
      b.forEach((bk, k) => {
        const t = `floor(${c.expr} * ${dbl(pow2(bk))})`;
        list.push(k === 0 ? `sum(CAST(${t} AS bigint))` : `sum(CAST(${t} - floor(${c.expr} * ${dbl(pow2(b[k - 1]))}) * ${dbl(2 ** CHUNK_BITS)} AS bigint))`);
      });
    }
    const [r3] = await run(`SELECT ${list.join(', ')} FROM ${from.sql}`);
    let j = 0;
    for (const { c, b } of chunked) {
      const last = b[b.length - 1];
      let total = 0n;
      for (const bk of b) total += BigInt(String(r3[j++] ?? 0)) << BigInt(last - bk);
      sums.set(c.name, scaledBigIntToDouble(total, -last));
    }
  }

  const profiles: ColumnProfile[] = cols.map((c) => {
    const base = { name: c.name, sourceType: described.find((x) => x.name === c.name)!.sqlType, rowCount: n, nullCount: c.name === uidName ? userId.nullCount : nullCount.get(c.name)! };
    if (c.kind === 'categorical') {
      const codes = c.numeric === undefined ? {} : { fromNumeric: badCodes.get(c.name) ?? { nonFiniteCount: 0, nonIntegerCount: 0 } };
      const dc = distinct.get(c.name);
      if (dc === undefined) return { ...base, kind: 'categorical', stats: null, ...codes };
      const byCount = sortByCount(topValues.get(c.name) ?? []);
      const estimate = estimates.get(c.name);
      if (estimate !== undefined) return { ...base, kind: 'categorical', stats: { distinctCount: dc, top: [], estimate }, ...codes };
      return { ...base, kind: 'categorical', stats: { distinctCount: dc, top: byCount.slice(0, topLength(c.name, byCount, dc, n, opts.minCategoryShare, opts.keepTopCategories)) }, ...codes };
    }
    const g = grouped.get(c.name);
    const r = range.get(c.name);
    const nonFiniteCount = r?.nonFinite ?? 0;
    if (g === undefined && !(analysed.includes(c) && r !== undefined)) return { ...base, kind: 'numeric', nonFiniteCount, stats: null };
    const dc = g?.dc ?? 0;
    const rows = g?.rows ?? [];
    const values =
      dc === 2
        ? rows
            .filter((x) => x.rn <= 2)
            .sort((p, q) => p.rn - q.rn)
            .map((x) => ({ value: x.d, count: x.cnt }))
        : [];
    let median: number | null = null;
    if (dc >= 3 && g !== undefined) {
      const at = (rank: number): number => rows.find((x) => x.cum - x.cnt <= rank && rank < x.cum)!.d;
      const nn = g.nn;
      median = nn % 2 === 1 ? at(nn >> 1) : (at((nn >> 1) - 1) + at(nn >> 1)) / 2;
    }
    const integer = r?.nonInteger === undefined ? {} : { integerValues: r.nonInteger === 0 };
    const stats = { distinctCount: dc, distinctExact: true, min: r!.min, max: r!.max, values, median, sum: dc >= 3 ? sums.get(c.name)! : null, ...integer };
    return { ...base, kind: 'numeric', nonFiniteCount, stats };
  });
  return { name: from.name, rowCount: n, profiles, userId, queries, queryMs };
}

/**
 * Per column of `exprs` (categoricals, read as the engine reads them): its `m` most frequent
 * values in the engine's order: count descending, then NULL first, then by UTF-16 code units
 * (`utf16OrderKey`), not Trino's varchar order (code points). The filter on row_number() is
 * planned as a top-N per column: no sort of all the values.
 */
function topValuesSql(from: string, exprs: string[], m: number, withDistinct: boolean): string {
  const grouped =
    exprs.length === 1
      ? `SELECT 0 AS i, ${exprs[0]} AS s, count(*) AS cnt FROM ${from} GROUP BY 2`
      : `SELECT t.i, t.s, count(*) AS cnt
  FROM ${from} CROSS JOIN UNNEST(ARRAY[${exprs.map((e, i) => `ROW(${i}, ${e})`).join(', ')}]) AS t(i, s)
  GROUP BY t.i, t.s`;
  return `WITH g AS (
  ${grouped})
SELECT i, s, cnt${withDistinct ? ', dc' : ''} FROM (
  SELECT i, s, cnt,${withDistinct ? ' count(*) OVER (PARTITION BY i) AS dc,' : ''} row_number() OVER (PARTITION BY i ORDER BY cnt DESC, s IS NULL DESC, ${utf16OrderKey("coalesce(s, '')")}) AS rn
  FROM g)
WHERE rn <= ${m}`;
}

/**
 * A varchar whose code-point order is the UTF-16 code-unit order of `expr` (JavaScript's string
 * order). The two differ only for characters from U+E000 up: in UTF-16 those of U+E000..U+FFFF
 * sort after every supplementary character (stored as surrogates, U+D800..U+DFFF). So each
 * supplementary character becomes two characters U+E000 + (its high and low surrogate's
 * 10 bits), and each of U+E000..U+FFFF moves up by 0x10000 (to U+1E000..U+1FFFF), above them.
 */
function utf16OrderKey(expr: string): string {
  const cp = 'codepoint(CAST(x[1] AS varchar(1)))';
  return `regexp_replace(${expr}, '([\\x{E000}-\\x{10FFFF}])', x -> IF(${cp} >= 65536, chr(57344 + (${cp} - 65536) / 1024) || chr(57344 + (${cp} - 65536) % 1024), chr(${cp} + 65536)))`;
}

/**
 * Per numeric column of `exprs` and kept value: the value, its count, the column's distinct
 * count and non-null count, its rank by count (descending, then value) and the cumulative count
 * by value. Kept: the 2 most frequent values and the one or two at the median ranks. Numeric
 * columns have far fewer distinct values than text ones; the windows sort them.
 */
function numericValuesSql(from: string, exprs: string[]): string {
  return `WITH g AS (
  SELECT t.i, t.d, count(*) AS cnt
  FROM ${from} CROSS JOIN UNNEST(ARRAY[${exprs.map((e, i) => `ROW(${i}, ${e})`).join(', ')}]) AS t(i, d)
  WHERE t.d IS NOT NULL
  GROUP BY t.i, t.d),
w AS (
  SELECT i, d, cnt,
    count(*) OVER (PARTITION BY i) AS dc,
    sum(cnt) OVER (PARTITION BY i) AS nn,
    row_number() OVER (PARTITION BY i ORDER BY cnt DESC, d ASC) AS rn,
    sum(cnt) OVER (PARTITION BY i ORDER BY d ASC ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum
  FROM g)
SELECT i, d, cnt, dc, nn, rn, cum FROM w
WHERE rn <= 2 OR (cum - cnt <= (nn - 1) / 2 AND (nn - 1) / 2 < cum) OR (cum - cnt <= nn / 2 AND nn / 2 < cum)`;
}

/**
 * The scales b_0 < b_1 < ... of the chunks of an exact sum: every value x of the column is
 * sum_k c_k 2^-b_k with integer c_k, |c_0| < 2^30 and 0 <= c_k < 2^30 for k >= 1.
 */
function chunkScales(column: string, r: { maxAbs: number; minAbs: number }): number[] {
  let e = Math.floor(Math.log2(r.maxAbs)) + 1; // 2^e > maxAbs
  while (2 ** e <= r.maxAbs) e++;
  while (2 ** (e - 1) > r.maxAbs) e--;
  let f = Math.floor(Math.log2(r.minAbs)); // 2^f <= minAbs < 2^(f+1)
  while (2 ** f > r.minAbs) f--;
  while (2 ** (f + 1) <= r.minAbs) f++;
  const ulp = Math.max(f - 52, -1074); // every value is a multiple of 2^ulp
  const b: number[] = [];
  for (let k = 0; ; k++) {
    const bk = CHUNK_BITS * (k + 1) - e;
    if (bk > 1023 || e + bk > 1023) {
      throw new WarehouseInputError('INVALID_VALUE', `column ${quoteIdentifier(column)} spans magnitudes from ${r.minAbs} to ${r.maxAbs}: too wide a range for an exact sum in SQL`, { column });
    }
    b.push(bk);
    if (bk >= -ulp) return b;
  }
}
