/**
 * Column profiles: the sufficient statistics of a column for feature engineering, and the
 * per-column rules of engineer.ts written as a pure function of them. A profile can be computed
 * from a ColumnarTable in process ({@link profileColumn}) or by aggregate queries inside a
 * warehouse (src/warehouse/trino-profile.ts); the same profile gives the same decision, so a
 * dictionary built from warehouse profiles equals the one built from the scanned rows.
 *
 * What a profile holds (everything exact):
 * - every column: rowCount, nullCount; numeric: how many non-null values are NaN / Infinity;
 * - `stats` (null for a column that was not analysed: excluded, or too many nulls):
 *   - numeric: distinct non-null values (exact when <= 2 or when the name is identifier-like or
 *     code-like, else at least 3: `distinctExact` says), min, max; for a code-like name
 *     (codes.ts) whether every value is an integer; for exactly 2 distinct values both values
 *     with their counts (more frequent first, tie: smaller first); for 3+ the median of the
 *     non-nulls (numpy's) and their sum (exact sum rounded once, see exactSum.ts);
 *   - categorical: distinct values (NULL counts as one) and `top`, the most frequent values in
 *     the engine's order (count descending, then {@link compareValues}): every value on
 *     >= minCategoryShare of rows (when there is none, the keepTopCategories most frequent) plus
 *     the next {@link OTHER_VALUES_LISTED}; empty for a column that is an identifier by its
 *     distinct count or has too many distinct values for any value to be kept
 *     ({@link noValueCanBeKept}): the values are not needed then.
 * A numeric column listed in the `categorical` option is profiled as the categorical of its
 * values' text (codes.ts), with `fromNumeric` counting the values that rule it out.
 */
import { codeWarning, isCodeLikeName, isIntegerCode, textColumn } from './codes';
import { IDENTIFIER_MIN_DISTINCT_SHARE, isIdentifierLikeName, type ExclusionMatcher, defaultExclusion } from './columnRules';
import { compareValues, OTHER_VALUES_LISTED, type BinaryValue, type CategoryValue, type DropReason } from './dictionary';
import { show } from './errors';
import { exactSum } from './exactSum';
import type { SegmentationOptions } from './options';
import { medianOf } from './stats';
import type { InputColumn } from './table';

export interface NumericStats {
  readonly distinctCount: number;
  /** False when distinctCount is only a lower bound (3: "three or more"). */
  readonly distinctExact: boolean;
  /** Infinity / -Infinity when every value is NULL. */
  readonly min: number;
  readonly max: number;
  /** With exactly 2 distinct values: both, the zero value (more frequent, tie: smaller) first; else []. */
  readonly values: { readonly value: number; readonly count: number }[];
  /** With 3+ distinct values: median and exact sum of the non-null values; else null. */
  readonly median: number | null;
  readonly sum: number | null;
  /** For a code-like name (codes.ts `isCodeLikeName`) only: whether every non-null value is an integer. */
  readonly integerValues?: boolean;
}

export interface CategoricalStats {
  /** Distinct values, NULL counted as one (an estimate when `estimate` is set). */
  readonly distinctCount: number;
  readonly top: { readonly value: CategoryValue; readonly count: number }[];
  /**
   * Set when distinctCount is an estimate (pushdown on a big table: Trino's approx_distinct)
   * whose lower bound already rules every value out (`noValueCanBeKept`), so the column is
   * dropped without its exact count; `top` is then empty.
   */
  readonly estimate?: { readonly lowerBound: number; readonly standardError: number };
}

interface ProfileBase {
  readonly name: string;
  readonly sourceType: string | null;
  readonly rowCount: number;
  readonly nullCount: number;
}
export interface NumericProfile extends ProfileBase {
  readonly kind: 'numeric';
  /** Non-null NaN / Infinity values (bad input). */
  readonly nonFiniteCount: number;
  readonly stats: NumericStats | null;
}
export interface CategoricalProfile extends ProfileBase {
  readonly kind: 'categorical';
  readonly stats: CategoricalStats | null;
  /**
   * Present for a numeric column read as text by the `categorical` option: its non-null NaN /
   * Infinity values and its non-null values that are not integer codes (codes.ts).
   */
  readonly fromNumeric?: { readonly nonFiniteCount: number; readonly nonIntegerCount: number };
}
export type ColumnProfile = NumericProfile | CategoricalProfile;

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** True when a categorical column is dropped as an identifier by its distinct count alone. */
export function isIdentifierByCount(name: string, distinct: number, rowCount: number): boolean {
  return distinct === rowCount || (isIdentifierLikeName(name) && distinct / rowCount >= IDENTIFIER_MIN_DISTINCT_SHARE);
}

/**
 * How many of the values sorted by count (descending) a categorical profile keeps: those on
 * >= minShare of rows (none of them: the `keepTop` most frequent) plus the next
 * OTHER_VALUES_LISTED; none for an identifier by count (except a constant column, whose only
 * value is kept).
 */
export function topLength(name: string, byCount: readonly { count: number }[], distinct: number, rowCount: number, minShare: number, keepTop = 0): number {
  if (droppedByDistinctCount(name, distinct, rowCount, minShare)) return 0;
  let kept = 0;
  while (kept < byCount.length && byCount[kept].count / rowCount >= minShare) kept++;
  return Math.min(distinct, (kept === 0 ? keepTop : kept) + OTHER_VALUES_LISTED);
}

/**
 * True when a categorical column of `rowCount` rows with `distinct` distinct values (NULL as one)
 * is dropped whatever its values are: an identifier by count, or too many values for any to be
 * kept (keepTopCategories does not revive either). A warehouse may then skip reading its values
 * and deliver its counts only (a `counted` column, table.ts).
 */
export function droppedByDistinctCount(name: string, distinct: number, rowCount: number, minShare: number): boolean {
  return (distinct > 1 && isIdentifierByCount(name, distinct, rowCount)) || (distinct >= 3 && noValueCanBeKept(distinct, rowCount, minShare));
}

/**
 * True when, by its distinct count alone, no value of a column of `rowCount` rows can be on
 * >= minShare of them: a value on c rows leaves at most rowCount - c other values, so
 * distinct > 1 + rowCount - c for the smallest c with c / rowCount >= minShare rules every value
 * out. Such a column (free text, near-unique codes) is dropped without counting its values.
 */
export function noValueCanBeKept(distinct: number, rowCount: number, minShare: number): boolean {
  let c = Math.max(1, Math.ceil(minShare * rowCount));
  while (c > 1 && (c - 1) / rowCount >= minShare) c--;
  while (c / rowCount < minShare) c++;
  return distinct > 1 + rowCount - c;
}

/** Sorts value counts in the engine's order: count descending, then compareValues. */
export function sortByCount<T extends BinaryValue>(xs: { value: T; count: number }[]): { value: T; count: number }[] {
  return xs.sort((p, q) => q.count - p.count || compareValues(p.value, q.value));
}

/** How a column is profiled beyond minCategoryShare: the options `keepTopCategories` and `categorical`. */
export interface ProfileSettings {
  /** keepTopCategories (default 0). */
  readonly keepTop?: number;
  /** True for a numeric column listed in `categorical`: profiled as the text of its values. */
  readonly asText?: boolean;
}

/** The profile of one column of a table (stats computed only when `analyse` is true). */
export function profileColumn(rowCount: number, c: InputColumn, minCategoryShare: number, analyse = true, settings: ProfileSettings = {}): ColumnProfile {
  const sourceType = c.sourceType ?? null;
  const keepTop = settings.keepTop ?? 0;
  if (c.kind === 'counted') {
    // Only a warehouse that checked droppedByDistinctCount makes these; a differing minShare here would profile it wrongly.
    if (!droppedByDistinctCount(c.name, c.distinctCount, rowCount, minCategoryShare)) {
      throw new Error(`column ${c.name} was read as counts only, but ${c.distinctCount} distinct values on ${rowCount} rows do not drop it at minCategoryShare ${minCategoryShare}`);
    }
    return { name: c.name, kind: 'categorical', sourceType, rowCount, nullCount: c.nullCount, stats: analyse ? { distinctCount: c.distinctCount, top: [] } : null };
  }
  if (c.kind === 'categorical') {
    let nullCount = 0;
    for (let i = 0; i < rowCount; i++) if (c.values[i] === null) nullCount++;
    return { name: c.name, kind: 'categorical', sourceType, rowCount, nullCount, stats: analyse ? categoricalStats(rowCount, c, minCategoryShare, keepTop) : null };
  }
  let nullCount = 0;
  let nonFiniteCount = 0;
  let nonIntegerCount = 0;
  for (let i = 0; i < rowCount; i++) {
    if (c.nulls[i] !== 0) nullCount++;
    else if (c.values[i] - c.values[i] !== 0) nonFiniteCount++;
    if (c.nulls[i] === 0 && !isIntegerCode(c.values[i])) nonIntegerCount++;
  }
  if (settings.asText === true) {
    const stats = analyse && nonFiniteCount === 0 && nonIntegerCount === 0 ? categoricalStats(rowCount, textColumn(c), minCategoryShare, keepTop) : null;
    return { name: c.name, kind: 'categorical', sourceType, rowCount, nullCount, stats, fromNumeric: { nonFiniteCount, nonIntegerCount } };
  }
  return { name: c.name, kind: 'numeric', sourceType, rowCount, nullCount, nonFiniteCount, stats: analyse ? numericStats(rowCount, c, nullCount) : null };
}

function numericStats(n: number, c: Extract<InputColumn, { kind: 'numeric' }>, nullCount: number): NumericStats {
  const v = c.values;
  const nulls = c.nulls;
  let a = 0;
  let b = 0;
  let countA = 0;
  let countB = 0;
  let distinct = 0; // 0, 1, 2 or 3 (meaning 3 or more)
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    if (nulls[i] !== 0) continue;
    const x = v[i];
    if (x < min) min = x;
    if (x > max) max = x;
    if (distinct === 0) {
      a = x;
      countA = 1;
      distinct = 1;
    } else if (x === a) countA++;
    else if (distinct === 1) {
      b = x;
      countB = 1;
      distinct = 2;
    } else if (x === b) countB++;
    else distinct = 3;
  }
  const nonNull = n - nullCount;
  let distinctCount = distinct;
  let distinctExact = distinct <= 2;
  const codeLike = isCodeLikeName(c.name);
  let integerValues = true;
  if (codeLike) for (let i = 0; i < n && integerValues; i++) if (nulls[i] === 0 && !Number.isInteger(v[i])) integerValues = false;
  const code = codeLike ? { integerValues } : {};
  if (distinct >= 1 && (isIdentifierLikeName(c.name) || codeLike)) {
    const copy = new Float64Array(nonNull);
    for (let i = 0, t = 0; i < n; i++) if (nulls[i] === 0) copy[t++] = v[i];
    copy.sort();
    let dc = nonNull > 0 ? 1 : 0;
    for (let i = 1; i < nonNull; i++) if (copy[i] !== copy[i - 1]) dc++;
    distinctCount = dc;
    distinctExact = true;
  }
  if (distinct <= 2) {
    const aFirst = countA > countB || (countA === countB && a < b);
    const values =
      distinct === 2
        ? [
            { value: aFirst ? a : b, count: aFirst ? countA : countB },
            { value: aFirst ? b : a, count: aFirst ? countB : countA },
          ]
        : [];
    return { distinctCount, distinctExact, min, max, values, median: null, sum: null, ...code };
  }
  const copy = new Float64Array(nonNull);
  for (let i = 0, t = 0; i < n; i++) if (nulls[i] === 0) copy[t++] = v[i];
  const sum = exactSum(copy);
  return { distinctCount, distinctExact, min, max, values: [], median: medianOf(copy), sum, ...code };
}

function categoricalStats(n: number, c: Extract<InputColumn, { kind: 'categorical' }>, minShare: number, keepTop: number): CategoricalStats {
  const counts = new Map<CategoryValue, number>();
  const v = c.values;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  const distinct = counts.size;
  if (distinct > 1 && isIdentifierByCount(c.name, distinct, n)) return { distinctCount: distinct, top: [] };
  const byCount = sortByCount(Array.from(counts, ([value, count]) => ({ value, count })));
  return { distinctCount: distinct, top: byCount.slice(0, topLength(c.name, byCount, distinct, n, minShare, keepTop)) };
}

/** What analysis decided for one column, before matrix columns are numbered. */
export type Decision =
  | { kind: 'drop'; reason: DropReason; detail: string; distinctCount: number | null; distinctEstimated?: true }
  | { kind: 'continuous'; min: number; max: number; median: number; mean: number; warning?: string }
  | { kind: 'binary'; zeroValue: BinaryValue; oneValue: BinaryValue; zeroCount: number; oneCount: number; nullsAs: 'zero_value' | 'own_value' | 'none' }
  | {
      kind: 'dummies';
      kept: { value: CategoryValue; count: number }[];
      rest: { count: number; distinctCount: number; values: CategoryValue[] };
      keptTop?: { keepTopCategories: number; detail: string };
    };

function decideNumeric(name: string, n: number, nullCount: number, s: NumericStats, minShare: number): Decision {
  const distinct = s.distinctCount;
  if (distinct <= 1)
    return {
      kind: 'drop',
      reason: 'constant',
      detail: distinct === 0 ? 'every value is NULL' : `every non-null value is ${s.min}${nullCount > 0 ? ` (nulls would be imputed with it)` : ''}`,
      distinctCount: distinct,
    };
  if (isIdentifierLikeName(name)) {
    if (!s.distinctExact) throw new Error(`profile of ${name} lacks its exact distinct count`);
    if (distinct / n >= IDENTIFIER_MIN_DISTINCT_SHARE) {
      return { kind: 'drop', reason: 'identifier', detail: `identifier-like name with ${distinct} distinct values on ${n} rows (>= ${pct(IDENTIFIER_MIN_DISTINCT_SHARE)})`, distinctCount: distinct };
    }
  }
  if (distinct === 2) {
    const [z, o] = s.values;
    return { kind: 'binary', zeroValue: z.value, oneValue: o.value, zeroCount: z.count, oneCount: o.count, nullsAs: nullCount > 0 ? 'zero_value' : 'none' };
  }
  if (s.median === null || s.sum === null) throw new Error(`profile of ${name} lacks its median or sum`);
  const warning = codeWarning(name, n, s, minShare);
  return { kind: 'continuous', min: s.min, max: s.max, median: s.median, mean: s.sum / (n - nullCount), ...(warning === null ? {} : { warning }) };
}

function decideCategorical(name: string, n: number, s: CategoricalStats, minShare: number, keepTop: number): Decision {
  const distinct = s.distinctCount;
  const top = s.top;
  if (distinct === 1) {
    const only = top[0].value;
    return { kind: 'drop', reason: 'constant', detail: only === null ? 'every value is NULL' : `every value is ${show(only)}`, distinctCount: 1 };
  }
  if (s.estimate !== undefined) {
    const { lowerBound, standardError } = s.estimate;
    return {
      kind: 'drop',
      reason: 'identifier',
      detail: `about ${distinct} distinct values on ${n} rows (estimated, standard error ${pct(standardError)}; at least ${lowerBound} with a margin of 6 standard errors): no value can be on >= ${pct(minShare)} of rows: too unique to segment on`,
      distinctCount: distinct,
      distinctEstimated: true,
    };
  }
  if (distinct === n) return { kind: 'drop', reason: 'identifier', detail: `one distinct value per row (${n} distinct values on ${n} rows)`, distinctCount: distinct };
  if (isIdentifierLikeName(name) && distinct / n >= IDENTIFIER_MIN_DISTINCT_SHARE) {
    return { kind: 'drop', reason: 'identifier', detail: `identifier-like name with ${distinct} distinct values on ${n} rows (>= ${pct(IDENTIFIER_MIN_DISTINCT_SHARE)})`, distinctCount: distinct };
  }
  if (distinct === 2) {
    const [z, o] = top;
    return { kind: 'binary', zeroValue: z.value, oneValue: o.value, zeroCount: z.count, oneCount: o.count, nullsAs: z.value === null || o.value === null ? 'own_value' : 'none' };
  }
  if (noValueCanBeKept(distinct, n, minShare)) {
    return {
      kind: 'drop',
      reason: 'identifier',
      detail: `${distinct} distinct values on ${n} rows: no value can be on >= ${pct(minShare)} of rows: too unique to segment on`,
      distinctCount: distinct,
    };
  }
  let kept = top.filter((e) => e.count / n >= minShare).map((e) => ({ value: e.value, count: e.count }));
  let keptTop: { keepTopCategories: number; detail: string } | undefined;
  const none = `no value is on >= ${pct(minShare)} of rows (the most frequent, ${show(top[0].value)}, is on ${pct(top[0].count / n)})`;
  if (kept.length === 0 && keepTop === 0) {
    return {
      kind: 'drop',
      reason: 'no_frequent_value',
      detail: `${none}: every value would fall into other; lower minCategoryShare, or set keepTopCategories, to keep the most frequent ones`,
      distinctCount: distinct,
    };
  }
  if (kept.length === 0) {
    kept = top.slice(0, keepTop).map((e) => ({ value: e.value, count: e.count }));
    const rows = kept.reduce((acc, k) => acc + k.count, 0);
    const left = distinct - kept.length;
    keptTop = {
      keepTopCategories: keepTop,
      detail: `${none}: keepTopCategories ${keepTop} keeps the ${kept.length} most frequent values (${pct(rows / n)} of rows)${left > 0 ? `, the other ${left} go to other` : ''}`,
    };
  }
  const keptRows = kept.reduce((acc, k) => acc + k.count, 0);
  const rest = top.slice(kept.length, kept.length + OTHER_VALUES_LISTED).map((r) => r.value);
  return { kind: 'dummies', kept, rest: { count: n - keptRows, distinctCount: distinct - kept.length, values: rest }, ...(keptTop === undefined ? {} : { keptTop }) };
}

/**
 * The decision for one column (rules 2-10 of engineer.ts, in order). `c.kind` is how the column
 * is treated (categorical for a numeric column listed in `categorical`); `nullCount` is known
 * for every column; `checkFinite` (called for every column not excluded) throws
 * NON_FINITE_VALUE for a numeric column with NaN / Infinity, NON_INTEGER_CODE for a
 * `categorical` one with a non-integer; `stats` is asked for only when the column survives
 * exclusions and the null-share rule.
 */
export function decideColumn(
  c: { readonly name: string; readonly kind: 'numeric' | 'categorical' },
  rowCount: number,
  nullCount: number,
  opts: SegmentationOptions,
  excl: ExclusionMatcher,
  checkFinite: () => void,
  stats: () => NumericStats | CategoricalStats,
): Decision {
  const byUser = excl.match(c.name);
  if (byUser !== null) return { kind: 'drop', reason: 'excluded_by_user', detail: `matches ${show(byUser)} in exclude`, distinctCount: null };
  const byDefault = defaultExclusion(c.name);
  if (byDefault !== null) return { kind: 'drop', reason: 'excluded_default', detail: byDefault, distinctCount: null };
  checkFinite();
  const share = nullCount / rowCount;
  if (share > opts.maxNullShare) return { kind: 'drop', reason: 'too_many_nulls', detail: `${pct(share)} nulls > maxNullShare ${pct(opts.maxNullShare)}`, distinctCount: null };
  return c.kind === 'numeric'
    ? decideNumeric(c.name, rowCount, nullCount, stats() as NumericStats, opts.minCategoryShare)
    : decideCategorical(c.name, rowCount, stats() as CategoricalStats, opts.minCategoryShare, opts.keepTopCategories);
}

/** True when a column needs its stats: not excluded (by the user or by default) and not too null. */
export function needsStats(name: string, rowCount: number, nullCount: number, opts: SegmentationOptions, excl: ExclusionMatcher): boolean {
  return excl.match(name) === null && defaultExclusion(name) === null && !(nullCount / rowCount > opts.maxNullShare);
}
