import { defaultExclusion, ExclusionMatcher, IDENTIFIER_MIN_DISTINCT_SHARE, isIdentifierLikeName } from './columnRules';
import {
  compareValues,
  dummyName,
  otherName,
  OTHER_VALUES_LISTED,
  type BinaryValue,
  type CategoryValue,
  type DataDictionary,
  type DictionaryEntry,
  type DropReason,
  type FeatureColumn,
} from './dictionary';
import { checkFinite, encodeTable, type EncodingPlan, type MinMaxScaler } from './encode';
import { SegmentationInputError, show } from './errors';
import type { Matrix } from './matrix';
import { parseOptions, type PriorityTier, type SegmentationOptions, type SegmentationOptionsInput } from './options';
import { medianOf } from './stats';
import type { ColumnarTable, InputColumn } from './table';

/**
 * Feature engineering: a columnar customer table and options to a numeric matrix, one row per
 * customer in input order, plus the data dictionary saying what happened to every column.
 *
 * Rules, in the order they are applied to each column (the first that applies decides):
 *
 * 1. the `userId` column is the row key: it must exist, be non-null and unique (else USER_ID_*);
 * 2. user exclusions (`exclude`: exact names or globs, case-insensitive) -> dropped;
 * 3. default exclusions (named `time`, name contains `exclude`) -> dropped;
 * 4. NaN / Infinity in a numeric column -> NON_FINITE_VALUE error (SQL NULL is fine);
 * 5. null share > maxNullShare -> dropped (too_many_nulls);
 * 6. one distinct value (numeric: among non-nulls; categorical: null counts as a value) -> dropped (constant);
 * 7. identifiers -> dropped: a categorical with one distinct value per row, or an identifier-like
 *    name (see `isIdentifierLikeName`) whose distinct values are >= 50% of the rows;
 * 8. two distinct values -> binary: the more frequent value is 0, the other 1 (tie: the smaller
 *    value is 0); numeric nulls count as the 0 value, categorical nulls are a value of their own;
 * 9. numeric with 3+ distinct values -> continuous: nulls imputed with the median, min-max scaled;
 * 10. categorical with 3+ distinct values -> one dummy per value on >= minCategoryShare of rows,
 *    the rest into one `other` dummy (none when nothing is left over); no value kept -> dropped as
 *    an identifier. Each dummy is divided by the feature's dummy count.
 *
 * Finally every column of a feature listed in `priority` is multiplied by its tier's factor
 * (dummies follow their feature). Numeric columns are never dropped for having all-distinct values
 * (a spend amount usually does); only their name can make them identifiers.
 *
 * Cost: one pass per column plus an O(n) median selection per continuous column, a Map count per
 * categorical column, then one pass writing the matrix; no per-cell allocation.
 */
export interface EngineeredFeatures {
  /** rows = customers in input order, columns = `featureColumns`. */
  readonly matrix: Matrix;
  /** The user id of each row, as text. */
  readonly userIds: string[];
  readonly featureColumns: FeatureColumn[];
  readonly dictionary: DataDictionary;
  readonly scaler: MinMaxScaler;
  /** Per matrix column: priority factor / dummy count. */
  readonly weights: number[];
  /** The options used, defaults filled. */
  readonly options: SegmentationOptions;
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

/** Throws EMPTY_TABLE / BAD_TABLE for a table without rows or columns, ragged or duplicated columns. */
export function validateTable(table: ColumnarTable): void {
  if (!(table.rowCount > 0) || table.columns.length === 0) {
    throw new SegmentationInputError('EMPTY_TABLE', `table ${table.name} is empty (${table.rowCount} rows, ${table.columns.length} columns); segmentation needs at least a few customers and one feature column. Check the table name and any filter.`, {
      table: table.name,
    });
  }
  const seen = new Set<string>();
  for (const c of table.columns) {
    if (seen.has(c.name)) throw new SegmentationInputError('BAD_TABLE', `table ${table.name} has two columns named ${show(c.name)}; rename one.`, { table: table.name, column: c.name });
    seen.add(c.name);
    const bad = c.values.length !== table.rowCount || (c.kind === 'numeric' && c.nulls.length !== table.rowCount);
    if (bad) {
      throw new SegmentationInputError('BAD_TABLE', `column ${show(c.name)} of table ${table.name} has ${c.values.length} values but the table has ${table.rowCount} rows; every column needs one value per row.`, {
        table: table.name,
        column: c.name,
      });
    }
  }
}

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
  const n = table.rowCount;
  const ids: string[] = new Array<string>(n);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    let id: string;
    if (c.kind === 'numeric') {
      if (c.nulls[i] !== 0) throw nullId(table, userId, i);
      const v = c.values[i];
      if (v - v !== 0) throw new SegmentationInputError('NON_FINITE_VALUE', `user id column ${show(userId)} of table ${table.name} has the value ${v} at row ${i}; user ids must be real identifiers.`, { table: table.name, column: userId, value: String(v), row: i });
      id = String(v);
    } else {
      const v = c.values[i];
      if (v === null) throw nullId(table, userId, i);
      id = v;
    }
    if (seen.has(id)) {
      const before = ids.indexOf(id);
      throw new SegmentationInputError(
        'USER_ID_DUPLICATE',
        `user id ${show(id)} appears more than once in column ${show(userId)} of table ${table.name} (rows ${before} and ${i}); the table must have one row per customer: aggregate or deduplicate it first.`,
        { table: table.name, column: userId, value: id, row: i, details: { firstRow: before } },
      );
    }
    seen.add(id);
    ids[i] = id;
  }
  return ids;
}

function nullId(table: ColumnarTable, userId: string, row: number): SegmentationInputError {
  return new SegmentationInputError('USER_ID_NULL', `user id column ${show(userId)} of table ${table.name} is NULL at row ${row}; every customer needs an id: filter those rows out or fill the id upstream.`, {
    table: table.name,
    column: userId,
    value: 'NULL',
    row,
  });
}

/** The tier of each priority feature; UNKNOWN_PRIORITY_FEATURE for a name that is not a column. */
function priorityTiers(table: ColumnarTable, opts: SegmentationOptions): Map<string, PriorityTier> {
  const names = new Set(table.columns.map((c) => c.name));
  const tiers = new Map<string, PriorityTier>();
  for (const tier of ['high', 'med', 'low'] as const) {
    for (const f of opts.priority[tier]) {
      if (!names.has(f)) {
        const hint = table.columns.find((c) => c.name.toLowerCase() === f.toLowerCase());
        throw new SegmentationInputError(
          'UNKNOWN_PRIORITY_FEATURE',
          `priority.${tier} names the feature ${show(f)}, which is not a column of table ${table.name}${hint ? ` (did you mean ${show(hint.name)}?)` : ''}; use an input column name (a categorical's dummies follow their column).`,
          { table: table.name, column: f, value: f, details: { tier } },
        );
      }
      tiers.set(f, tier);
    }
  }
  return tiers;
}

/** What analysis decided for one column, before matrix columns are numbered. */
type Decision =
  | { kind: 'drop'; reason: DropReason; detail: string; distinctCount: number | null }
  | { kind: 'continuous'; min: number; max: number; median: number; mean: number }
  | { kind: 'binary'; zeroValue: BinaryValue; oneValue: BinaryValue; zeroCount: number; oneCount: number; nullsAs: 'zero_value' | 'own_value' | 'none' }
  | { kind: 'dummies'; kept: { value: CategoryValue; count: number }[]; rest: { value: CategoryValue; count: number }[] };

function analyseNumeric(table: ColumnarTable, c: Extract<InputColumn, { kind: 'numeric' }>, nullCount: number): Decision {
  const n = table.rowCount;
  const v = c.values;
  const nulls = c.nulls;
  let a = 0;
  let b = 0;
  let countA = 0;
  let countB = 0;
  let distinct = 0; // 0, 1, 2 or 3 (meaning 3 or more)
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    if (nulls[i] !== 0) continue;
    const x = v[i];
    if (x < min) min = x;
    if (x > max) max = x;
    sum += x;
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
  if (distinct <= 1) return { kind: 'drop', reason: 'constant', detail: distinct === 0 ? 'every value is NULL' : `every non-null value is ${a}${nullCount > 0 ? ` (nulls would be imputed with it)` : ''}`, distinctCount: distinct };
  const nonNull = n - nullCount;
  if (isIdentifierLikeName(c.name)) {
    const copy = new Float64Array(nonNull);
    for (let i = 0, t = 0; i < n; i++) if (nulls[i] === 0) copy[t++] = v[i];
    copy.sort();
    let dc = nonNull > 0 ? 1 : 0;
    for (let i = 1; i < nonNull; i++) if (copy[i] !== copy[i - 1]) dc++;
    if (dc / n >= IDENTIFIER_MIN_DISTINCT_SHARE) {
      return { kind: 'drop', reason: 'identifier', detail: `identifier-like name with ${dc} distinct values on ${n} rows (>= ${pct(IDENTIFIER_MIN_DISTINCT_SHARE)})`, distinctCount: dc };
    }
  }
  if (distinct === 2) {
    const aFirst = countA > countB || (countA === countB && a < b);
    return {
      kind: 'binary',
      zeroValue: aFirst ? a : b,
      oneValue: aFirst ? b : a,
      zeroCount: aFirst ? countA : countB,
      oneCount: aFirst ? countB : countA,
      nullsAs: nullCount > 0 ? 'zero_value' : 'none',
    };
  }
  const copy = new Float64Array(nonNull);
  for (let i = 0, t = 0; i < n; i++) if (nulls[i] === 0) copy[t++] = v[i];
  return { kind: 'continuous', min, max, median: medianOf(copy), mean: sum / nonNull };
}

function analyseCategorical(table: ColumnarTable, c: Extract<InputColumn, { kind: 'categorical' }>, minShare: number): Decision {
  const n = table.rowCount;
  const counts = new Map<CategoryValue, number>();
  const v = c.values;
  for (let i = 0; i < n; i++) {
    const x = v[i];
    counts.set(x, (counts.get(x) ?? 0) + 1);
  }
  const distinct = counts.size;
  if (distinct === 1) {
    const only = counts.keys().next().value as CategoryValue;
    return { kind: 'drop', reason: 'constant', detail: only === null ? 'every value is NULL' : `every value is ${show(only)}`, distinctCount: 1 };
  }
  if (distinct === n) return { kind: 'drop', reason: 'identifier', detail: `one distinct value per row (${n} distinct values on ${n} rows)`, distinctCount: distinct };
  if (isIdentifierLikeName(c.name) && distinct / n >= IDENTIFIER_MIN_DISTINCT_SHARE) {
    return { kind: 'drop', reason: 'identifier', detail: `identifier-like name with ${distinct} distinct values on ${n} rows (>= ${pct(IDENTIFIER_MIN_DISTINCT_SHARE)})`, distinctCount: distinct };
  }
  const byCount = Array.from(counts, ([value, count]) => ({ value, count })).sort((p, q) => q.count - p.count || compareValues(p.value, q.value));
  if (distinct === 2) {
    const [z, o] = byCount;
    return { kind: 'binary', zeroValue: z.value, oneValue: o.value, zeroCount: z.count, oneCount: o.count, nullsAs: counts.has(null) ? 'own_value' : 'none' };
  }
  const kept = byCount.filter((e) => e.count / n >= minShare);
  if (kept.length === 0) {
    return {
      kind: 'drop',
      reason: 'identifier',
      detail: `no value is on >= ${pct(minShare)} of rows (the most frequent, ${show(byCount[0].value)}, is on ${pct(byCount[0].count / n)}): too unique to segment on`,
      distinctCount: distinct,
    };
  }
  return { kind: 'dummies', kept, rest: byCount.slice(kept.length) };
}

function decide(table: ColumnarTable, c: InputColumn, nullCount: number, opts: SegmentationOptions, excl: ExclusionMatcher): Decision {
  const byUser = excl.match(c.name);
  if (byUser !== null) return { kind: 'drop', reason: 'excluded_by_user', detail: `matches ${show(byUser)} in exclude`, distinctCount: null };
  const byDefault = defaultExclusion(c.name);
  if (byDefault !== null) return { kind: 'drop', reason: 'excluded_default', detail: byDefault, distinctCount: null };
  if (c.kind === 'numeric') checkFinite(table, c);
  const share = nullCount / table.rowCount;
  if (share > opts.maxNullShare) return { kind: 'drop', reason: 'too_many_nulls', detail: `${pct(share)} nulls > maxNullShare ${pct(opts.maxNullShare)}`, distinctCount: null };
  return c.kind === 'numeric' ? analyseNumeric(table, c, nullCount) : analyseCategorical(table, c, opts.minCategoryShare);
}

function countNulls(c: InputColumn): number {
  let k = 0;
  if (c.kind === 'numeric') {
    const nulls = c.nulls;
    for (let i = 0; i < nulls.length; i++) if (nulls[i] !== 0) k++;
  } else {
    const v = c.values;
    for (let i = 0; i < v.length; i++) if (v[i] === null) k++;
  }
  return k;
}

/**
 * Engineers the features of `table` (see the module comment for the rules). Validates the table,
 * the user id and the options; throws {@link SegmentationInputError} on bad input, including
 * NO_FEATURES (with every dropped column and why) when nothing usable is left.
 */
export function engineerFeatures(table: ColumnarTable, options: SegmentationOptionsInput): EngineeredFeatures {
  const opts = parseOptions(options);
  validateTable(table);
  const userIds = readUserIds(table, opts.userId);
  const tiers = priorityTiers(table, opts);
  const excl = new ExclusionMatcher(opts.exclude);
  const warnings: string[] = [];
  const entries: DictionaryEntry[] = [];
  const featureColumns: FeatureColumn[] = [];
  const min: number[] = [];
  const max: number[] = [];
  const weights: number[] = [];
  const addColumn = (fc: FeatureColumn, lo: number, hi: number, w: number): number => {
    featureColumns.push(fc);
    min.push(lo);
    max.push(hi);
    weights.push(w);
    return featureColumns.length - 1;
  };

  for (const c of table.columns) {
    const base = { column: c.name, sourceKind: c.kind, sourceType: c.sourceType ?? null } as const;
    const tier = tiers.get(c.name) ?? null;
    if (c.name === opts.userId) {
      entries.push({ ...base, nullCount: 0, treatment: 'user_id' });
      if (tier !== null) warnings.push(`priority.${tier} lists the user id column ${show(c.name)}; ignored.`);
      continue;
    }
    const nullCount = countNulls(c);
    const dec = decide(table, c, nullCount, opts, excl);
    if (dec.kind === 'drop') {
      entries.push({ ...base, nullCount, treatment: 'dropped', reason: dec.reason, detail: dec.detail, distinctCount: dec.distinctCount, priorityIgnored: tier });
      if (tier !== null) warnings.push(`priority.${tier} lists ${show(c.name)}, which was dropped (${dec.reason}: ${dec.detail}); its priority is ignored.`);
      continue;
    }
    const factor = tier === null ? 1 : opts.priorityFactors[tier];
    const feat = { ...base, nullCount, priority: tier, factor };
    if (dec.kind === 'continuous') {
      const j = addColumn({ name: c.name, feature: c.name, kind: 'continuous' }, dec.min, dec.max, factor);
      entries.push({ ...feat, columns: [j], treatment: 'continuous', min: dec.min, max: dec.max, median: dec.median, mean: dec.mean, nullsImputedWith: 'median' });
    } else if (dec.kind === 'binary') {
      const j = addColumn({ name: c.name, feature: c.name, kind: 'binary' }, 0, 1, factor);
      entries.push({ ...feat, columns: [j], treatment: 'binary', zeroValue: dec.zeroValue, oneValue: dec.oneValue, zeroCount: dec.zeroCount, oneCount: dec.oneCount, nullsAs: dec.nullsAs });
    } else {
      const hasOther = dec.rest.length > 0;
      const dummyCount = dec.kept.length + (hasOther ? 1 : 0);
      const w = factor / dummyCount;
      const cols = dec.kept.map((k) => addColumn({ name: dummyName(c.name, k.value), feature: c.name, kind: 'dummy', category: k.value }, 0, 1, w));
      if (hasOther) cols.push(addColumn({ name: otherName(c.name), feature: c.name, kind: 'other' }, 0, 1, w));
      const other = hasOther
        ? {
            count: dec.rest.reduce((s, r) => s + r.count, 0),
            distinctCount: dec.rest.length,
            values: dec.rest.slice(0, OTHER_VALUES_LISTED).map((r) => r.value),
            valuesTruncated: dec.rest.length > OTHER_VALUES_LISTED,
          }
        : null;
      entries.push({ ...feat, columns: cols, treatment: 'dummies', kept: dec.kept, other, dummyCount, nullsAs: 'own_value' });
    }
  }
  for (const p of excl.unused()) warnings.push(`exclude entry ${show(p)} matched no column of table ${table.name}.`);

  const dictionary: DataDictionary = {
    table: table.name,
    rowCount: table.rowCount,
    userId: opts.userId,
    minCategoryShare: opts.minCategoryShare,
    maxNullShare: opts.maxNullShare,
    columns: entries,
    warnings,
  };
  if (featureColumns.length === 0) throw noFeatures(table, dictionary);
  const plan: EncodingPlan = { dictionary, featureColumns, scaler: { kind: 'minmax', min, max }, weights };
  const m = encodeTable(table, plan);
  return { matrix: m, userIds, featureColumns, dictionary, scaler: plan.scaler, weights, options: opts };
}

function noFeatures(table: ColumnarTable, d: DataDictionary): SegmentationInputError {
  const dropped = d.columns.flatMap((e) => (e.treatment === 'dropped' ? [{ column: e.column, reason: e.reason, detail: e.detail }] : []));
  const list = dropped.map((x) => `${x.column} (${x.reason}: ${x.detail})`).join('; ');
  return new SegmentationInputError(
    'NO_FEATURES',
    `no usable feature is left in table ${table.name} after feature engineering. Dropped: ${list || 'nothing (the table has only the user id column)'}. Add behaviour or attribute columns, or relax exclude / maxNullShare / minCategoryShare.`,
    { table: table.name, details: { dropped } },
  );
}
