import { categoricalOverrides, checkIntegerCodes, nonIntegerCode } from './codes';
import { ExclusionMatcher } from './columnRules';
import { dummyName, otherName, OTHER_VALUES_LISTED, type DataDictionary, type DictionaryEntry, type FeatureColumn } from './dictionary';
import { checkFinite, encodeTable, type MinMaxScaler } from './encode';
import { SegmentationInputError, show } from './errors';
import type { Matrix } from './matrix';
import { parseOptions, type PriorityTier, type SegmentationOptions, type SegmentationOptionsInput } from './options';
import { decideColumn, profileColumn, type CategoricalStats, type ColumnProfile, type NumericStats } from './profile';
import type { ColumnarTable, InputColumn } from './table';
import { readUserIds } from './userIds';

export { readUserIds };

/**
 * Feature engineering: a columnar customer table and options to a numeric matrix, one row per
 * customer in input order, plus the data dictionary saying what happened to every column.
 *
 * Rules, in the order they are applied to each column (the first that applies decides):
 *
 * 1. the `userId` column is the row key: it must exist, be non-null and unique (else USER_ID_*);
 * 2. user exclusions (`exclude`: exact names or globs, case-insensitive) -> dropped;
 * 3. default exclusions (named `time`, name contains `exclude`) -> dropped;
 * 4. NaN / Infinity in a numeric column -> NON_FINITE_VALUE error (SQL NULL is fine); a value
 *    that is not an integer in a column listed in `categorical` -> NON_INTEGER_CODE error;
 * 5. null share > maxNullShare -> dropped (too_many_nulls);
 * 6. one distinct value (numeric: among non-nulls; categorical: null counts as a value) -> dropped (constant);
 * 7. identifiers -> dropped: a categorical with one distinct value per row, or an identifier-like
 *    name (see `isIdentifierLikeName`) whose distinct values are >= 50% of the rows;
 * 8. two distinct values -> binary: the more frequent value is 0, the other 1 (tie: the smaller
 *    value is 0); numeric nulls count as the 0 value, categorical nulls are a value of their own;
 * 9. numeric with 3+ distinct values -> continuous: nulls imputed with the median, min-max scaled;
 * 10. categorical with 3+ distinct values -> one dummy per value on >= minCategoryShare of rows,
 *    the rest into one `other` dummy (none when nothing is left over); no value kept -> dropped
 *    (no_frequent_value; but as an identifier, without counting its values, when its distinct
 *    count alone leaves no value room for minCategoryShare of rows: see profile.ts
 *    `noValueCanBeKept`). With keepTopCategories N > 0, a column with no value on
 *    minCategoryShare keeps its N most frequent values plus `other` instead of being dropped
 *    (`keptTop` in its entry). Each dummy is divided by the feature's dummy count.
 *
 * A numeric column listed in `categorical` follows the categorical rules (6-8, 10) on its
 * values' decimal text (codes.ts); a numeric column kept as continuous that looks like integer
 * codes (few distinct integers, a key-like name: codes.ts `codeWarning`) gets a `warning` in its
 * entry and in the dictionary's warnings, suggesting that override.
 *
 * Finally every column of a feature listed in `priority` is multiplied by its tier's factor
 * (dummies follow their feature). Numeric columns are never dropped for having all-distinct values
 * (a spend amount usually does); only their name can make them identifiers.
 *
 * The per-column rules are a pure function of the column's profile (profile.ts): in process the
 * profile comes from the rows; in pushdown mode from aggregate queries in the warehouse
 * (`dictionaryFromProfiles`, src/warehouse/trino-profile.ts), with the same dictionary. A
 * continuous column's `mean` is its exact sum rounded once (exactSum.ts) over the non-null count,
 * so it does not depend on row order.
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

/** Throws EMPTY_TABLE / BAD_TABLE for a table without rows or columns, ragged or duplicated columns. */
export function validateTable(table: ColumnarTable): void {
  if (!(table.rowCount > 0) || table.columns.length === 0) {
    throw new SegmentationInputError(
      'EMPTY_TABLE',
      `table ${table.name} is empty (${table.rowCount} rows, ${table.columns.length} columns); segmentation needs at least a few customers and one feature column. Check the table name and any filter.`,
      {
        table: table.name,
      },
    );
  }
  const seen = new Set<string>();
  for (const c of table.columns) {
    if (seen.has(c.name)) throw new SegmentationInputError('BAD_TABLE', `table ${table.name} has two columns named ${show(c.name)}; rename one.`, { table: table.name, column: c.name });
    seen.add(c.name);
    if (c.kind === 'counted') continue; // counted by the warehouse over the same rows: no values to check
    const bad = c.values.length !== table.rowCount || (c.kind === 'numeric' && c.nulls.length !== table.rowCount);
    if (bad) {
      throw new SegmentationInputError(
        'BAD_TABLE',
        `column ${show(c.name)} of table ${table.name} has ${c.values.length} values but the table has ${table.rowCount} rows; every column needs one value per row.`,
        {
          table: table.name,
          column: c.name,
        },
      );
    }
  }
}

/** The tier of each priority feature; UNKNOWN_PRIORITY_FEATURE for a name that is not a column. */
function priorityTiers(table: { readonly name: string; readonly columns: ReadonlyArray<{ readonly name: string }> }, opts: SegmentationOptions): Map<string, PriorityTier> {
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

function countNulls(c: InputColumn): number {
  let k = 0;
  if (c.kind === 'counted') return c.nullCount;
  if (c.kind === 'numeric') {
    const nulls = c.nulls;
    for (let i = 0; i < nulls.length; i++) if (nulls[i] !== 0) k++;
  } else {
    const v = c.values;
    for (let i = 0; i < v.length; i++) if (v[i] === null) k++;
  }
  return k;
}

/** The dictionary and encoding plan of a table: everything of {@link EngineeredFeatures} but the rows. */
export interface FeaturePlan {
  readonly featureColumns: FeatureColumn[];
  readonly dictionary: DataDictionary;
  readonly scaler: MinMaxScaler;
  readonly weights: number[];
  readonly options: SegmentationOptions;
}

/** A table seen through its column profiles (see profile.ts): the rules' input without the rows. */
interface ProfileSource {
  readonly name: string;
  readonly rowCount: number;
  readonly columns: ReadonlyArray<{ readonly name: string; readonly kind: 'numeric' | 'categorical'; readonly sourceType?: string | null }>;
  nullCount(j: number): number;
  /** Rule 4 for column j (nothing for a categorical); `asText`: listed in `categorical`. */
  checkFinite(j: number, asText: boolean): void;
  stats(j: number, asText: boolean): NumericStats | CategoricalStats;
}

/** Applies the rules to every column and numbers the matrix columns (shared by both entry points). */
function buildPlan(src: ProfileSource, opts: SegmentationOptions): FeaturePlan {
  const tiers = priorityTiers(src, opts);
  const excl = new ExclusionMatcher(opts.exclude);
  const warnings: string[] = [];
  const asText = categoricalOverrides(src, opts.categorical, opts.userId, warnings);
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

  src.columns.forEach((c, j) => {
    const text = asText.has(c.name);
    const base = { column: c.name, sourceKind: c.kind, sourceType: c.sourceType ?? null, ...(text ? { categoricalOverride: true as const } : {}) };
    const tier = tiers.get(c.name) ?? null;
    if (c.name === opts.userId) {
      entries.push({ ...base, nullCount: 0, treatment: 'user_id' });
      if (tier !== null) warnings.push(`priority.${tier} lists the user id column ${show(c.name)}; ignored.`);
      return;
    }
    const nullCount = src.nullCount(j);
    const dec = decideColumn(
      { name: c.name, kind: text ? 'categorical' : c.kind },
      src.rowCount,
      nullCount,
      opts,
      excl,
      () => src.checkFinite(j, text),
      () => src.stats(j, text),
    );
    if (dec.kind === 'drop') {
      entries.push({
        ...base,
        nullCount,
        treatment: 'dropped',
        reason: dec.reason,
        detail: dec.detail,
        distinctCount: dec.distinctCount,
        ...(dec.distinctEstimated ? { distinctEstimated: true as const } : {}),
        priorityIgnored: tier,
      });
      if (tier !== null) warnings.push(`priority.${tier} lists ${show(c.name)}, which was dropped (${dec.reason}: ${dec.detail}); its priority is ignored.`);
      return;
    }
    const factor = tier === null ? 1 : opts.priorityFactors[tier];
    const feat = { ...base, nullCount, priority: tier, factor };
    if (dec.kind === 'continuous') {
      const k = addColumn({ name: c.name, feature: c.name, kind: 'continuous' }, dec.min, dec.max, factor);
      const warning = dec.warning === undefined ? {} : { warning: dec.warning };
      entries.push({ ...feat, columns: [k], treatment: 'continuous', min: dec.min, max: dec.max, median: dec.median, mean: dec.mean, nullsImputedWith: 'median', ...warning });
      if (dec.warning !== undefined) warnings.push(`column ${show(c.name)} ${dec.warning}`);
    } else if (dec.kind === 'binary') {
      const k = addColumn({ name: c.name, feature: c.name, kind: 'binary' }, 0, 1, factor);
      entries.push({ ...feat, columns: [k], treatment: 'binary', zeroValue: dec.zeroValue, oneValue: dec.oneValue, zeroCount: dec.zeroCount, oneCount: dec.oneCount, nullsAs: dec.nullsAs });
    } else {
      const hasOther = dec.rest.distinctCount > 0;
      const dummyCount = dec.kept.length + (hasOther ? 1 : 0);
      const w = factor / dummyCount;
      const cols = dec.kept.map((k) => addColumn({ name: dummyName(c.name, k.value), feature: c.name, kind: 'dummy', category: k.value }, 0, 1, w));
      if (hasOther) cols.push(addColumn({ name: otherName(c.name), feature: c.name, kind: 'other' }, 0, 1, w));
      const other = hasOther ? { count: dec.rest.count, distinctCount: dec.rest.distinctCount, values: dec.rest.values, valuesTruncated: dec.rest.distinctCount > OTHER_VALUES_LISTED } : null;
      entries.push({ ...feat, columns: cols, treatment: 'dummies', kept: dec.kept, other, dummyCount, nullsAs: 'own_value', ...(dec.keptTop === undefined ? {} : { keptTop: dec.keptTop }) });
    }
  });
  for (const p of excl.unused()) warnings.push(`exclude entry ${show(p)} matched no column of table ${src.name}.`);

  const dictionary: DataDictionary = {
    table: src.name,
    rowCount: src.rowCount,
    userId: opts.userId,
    minCategoryShare: opts.minCategoryShare,
    maxNullShare: opts.maxNullShare,
    columns: entries,
    warnings,
  };
  if (featureColumns.length === 0) throw noFeatures(src.name, dictionary);
  return { dictionary, featureColumns, scaler: { kind: 'minmax', min, max }, weights, options: opts };
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
  const n = table.rowCount;
  const plan = buildPlan(
    {
      name: table.name,
      rowCount: n,
      columns: table.columns.map((c) => ({ name: c.name, kind: c.kind === 'counted' ? 'categorical' : c.kind, sourceType: c.sourceType })),
      nullCount: (j) => countNulls(table.columns[j]),
      checkFinite: (j, asText) => {
        const c = table.columns[j];
        if (c.kind !== 'numeric') return;
        checkFinite(table, c);
        if (asText) checkIntegerCodes(table, c);
      },
      stats: (j, asText) => profileColumn(n, table.columns[j], opts.minCategoryShare, true, { keepTop: opts.keepTopCategories, asText }).stats as NumericStats | CategoricalStats,
    },
    opts,
  );
  const m = encodeTable(table, plan);
  return { matrix: m, userIds, featureColumns: plan.featureColumns, dictionary: plan.dictionary, scaler: plan.scaler, weights: plan.weights, options: opts };
}

/**
 * Encodes `table` with a plan made elsewhere, e.g. a sample of a warehouse table encoded with the
 * full table's dictionary ({@link dictionaryFromProfiles}): medians, ranges and kept categories
 * are the table's, not the sample's, so the sample's rows are exactly the full matrix's rows.
 */
export function engineerWithPlan(table: ColumnarTable, plan: FeaturePlan): EngineeredFeatures {
  validateTable(table);
  const userIds = readUserIds(table, plan.options.userId);
  const m = encodeTable(table, plan);
  return { matrix: m, userIds, featureColumns: plan.featureColumns, dictionary: plan.dictionary, scaler: plan.scaler, weights: plan.weights, options: plan.options };
}

/**
 * The same dictionary, feature columns, scaler and weights as {@link engineerFeatures} from the
 * column profiles of a table (e.g. computed inside the warehouse, src/warehouse/trino-profile.ts),
 * without its rows. `profiles` are in column order; `userId` says whether the user id column is
 * a key (no NULL, one distinct value per row). Profiles of excluded or too-null columns may omit
 * their stats. Throws the same errors as engineerFeatures, without row numbers.
 */
export function dictionaryFromProfiles(
  table: { readonly name: string; readonly rowCount: number; readonly profiles: readonly ColumnProfile[]; readonly userId: { readonly nullCount: number; readonly distinctCount: number } },
  options: SegmentationOptionsInput,
): FeaturePlan {
  const opts = parseOptions(options);
  const { name, rowCount, profiles } = table;
  if (!(rowCount > 0) || profiles.length === 0) {
    throw new SegmentationInputError(
      'EMPTY_TABLE',
      `table ${name} is empty (${rowCount} rows, ${profiles.length} columns); segmentation needs at least a few customers and one feature column. Check the table name and any filter.`,
      { table: name },
    );
  }
  if (!profiles.some((p) => p.name === opts.userId)) readUserIds({ name, rowCount: 0, columns: profiles.map((p) => ({ name: p.name, kind: 'categorical', values: [] })) }, opts.userId);
  if (table.userId.nullCount > 0) {
    throw new SegmentationInputError(
      'USER_ID_NULL',
      `user id column ${show(opts.userId)} of table ${name} is NULL on ${table.userId.nullCount} rows; every customer needs an id: filter those rows out or fill the id upstream.`,
      { table: name, column: opts.userId, value: 'NULL' },
    );
  }
  if (table.userId.distinctCount < rowCount) {
    throw new SegmentationInputError(
      'USER_ID_DUPLICATE',
      `user id column ${show(opts.userId)} of table ${name} has ${table.userId.distinctCount} distinct values on ${rowCount} rows; the table must have one row per customer: aggregate or deduplicate it first.`,
      { table: name, column: opts.userId },
    );
  }
  return buildPlan(
    {
      name,
      rowCount,
      // A numeric column profiled as text (the `categorical` option) is still a numeric source.
      columns: profiles.map((p) => (p.kind === 'categorical' && p.fromNumeric !== undefined ? { ...p, kind: 'numeric' as const } : p)),
      nullCount: (j) => profiles[j].nullCount,
      checkFinite: (j, asText) => {
        const p = profiles[j];
        if (asText !== (p.kind === 'categorical' && p.fromNumeric !== undefined)) throw new Error(`the profile of column ${p.name} does not match the categorical option`);
        const nonFinite = p.kind === 'numeric' ? p.nonFiniteCount : (p.fromNumeric?.nonFiniteCount ?? 0);
        if (nonFinite > 0) {
          throw new SegmentationInputError(
            'NON_FINITE_VALUE',
            `column ${show(p.name)} of table ${name} has ${nonFinite} NaN or Infinity values; NaN and Infinity are not nulls: turn them into NULL (or a number) upstream, or exclude the column.`,
            { table: name, column: p.name },
          );
        }
        if (p.kind === 'categorical' && p.fromNumeric !== undefined && p.fromNumeric.nonIntegerCount > 0) throw nonIntegerCode(name, p.name, { count: p.fromNumeric.nonIntegerCount });
      },
      stats: (j) => {
        const s = profiles[j].stats;
        if (s === null) throw new Error(`the profile of column ${profiles[j].name} has no stats, but the column is analysed`);
        return s;
      },
    },
    opts,
  );
}

function noFeatures(tableName: string, d: DataDictionary): SegmentationInputError {
  const dropped = d.columns.flatMap((e) => (e.treatment === 'dropped' ? [{ column: e.column, reason: e.reason, detail: e.detail }] : []));
  const list = dropped.map((x) => `${x.column} (${x.reason}: ${x.detail})`).join('; ');
  return new SegmentationInputError(
    'NO_FEATURES',
    `no usable feature is left in table ${tableName} after feature engineering. Dropped: ${list || 'nothing (the table has only the user id column)'}. Add behaviour or attribute columns, or relax exclude / maxNullShare / minCategoryShare.`,
    { table: tableName, details: { dropped } },
  );
}
