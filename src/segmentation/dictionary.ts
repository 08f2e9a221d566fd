import type { PriorityTier } from './options';

/**
 * The data dictionary: for every input column, what feature engineering did with it and why.
 * Plain JSON (no Map, no typed array, no undefined, no NaN), in input column order, so it can be
 * stored in the model artifact, shown in the report and used to encode new rows.
 *
 * Kept features name the matrix columns they produce (`columns`, indices into the engineered
 * matrix): dummies are tied to their feature by this list, never by a column-name prefix.
 */

/** Why a column was dropped. */
export type DropReason =
  /** Listed in `exclude` (by name or glob). */
  | 'excluded_by_user'
  /** A default exclusion: named `time`, or the name contains `exclude`. */
  | 'excluded_default'
  /** Null share above `maxNullShare`. */
  | 'too_many_nulls'
  /** A single value on every row (after null handling). */
  | 'constant'
  /** An identifier: one distinct value per row, an identifier-like name with high cardinality, or a categorical so near-unique that no value can be on >= minCategoryShare of rows. */
  | 'identifier'
  /** A categorical with few enough distinct values, none of them on >= minCategoryShare of rows: every value would fall into `other` (unless `keepTopCategories` keeps the most frequent). */
  | 'no_frequent_value';

/** A categorical value; `null` is the SQL NULL category (categorical nulls are their own value). */
export type CategoryValue = string | null;
/** A value of a binary column: a string or null for categorical columns, a number for numeric ones. */
export type BinaryValue = string | number | null;

interface EntryBase {
  /** The input column name. */
  readonly column: string;
  /** How the column arrived: numeric (float64 + null mask) or categorical (strings). */
  readonly sourceKind: 'numeric' | 'categorical';
  /** The warehouse type, when the table said (e.g. `bigint`, `varchar`), else null. */
  readonly sourceType: string | null;
  /** Number of SQL NULLs in the column. */
  readonly nullCount: number;
  /**
   * Present (true) on a numeric column listed in the `categorical` option: treated as a
   * categorical whose values are the numbers' decimal text (`25`, `-3`), NULL a value of its own
   * (codes.ts). `sourceKind` stays numeric: the column still arrives as numbers.
   */
  readonly categoricalOverride?: true;
}

/** The user id column: the row key, not a feature. */
export interface UserIdEntry extends EntryBase {
  readonly treatment: 'user_id';
}

export interface DroppedEntry extends EntryBase {
  readonly treatment: 'dropped';
  readonly reason: DropReason;
  /** A sentence saying why, with the numbers (e.g. `40.0% nulls > maxNullShare 25.0%`). */
  readonly detail: string;
  /** Distinct values (nulls count as one value for categoricals), when it was computed. */
  readonly distinctCount: number | null;
  /** Present (true) when distinctCount is an estimate: a near-unique column of a big table in pushdown mode. */
  readonly distinctEstimated?: true;
  /** The priority tier the user asked for, ignored because the column was dropped. */
  readonly priorityIgnored: PriorityTier | null;
}

interface FeatureEntryBase extends EntryBase {
  /** The priority tier of the feature, if listed in `priority`. */
  readonly priority: PriorityTier | null;
  /** The priority factor applied to the feature's columns (1 when not listed). */
  readonly factor: number;
  /** Indices of the matrix columns this feature produced, in order. */
  readonly columns: number[];
}

/** A numeric column with 3 or more distinct values: min-max scaled, nulls imputed with the median. */
export interface ContinuousEntry extends FeatureEntryBase {
  readonly treatment: 'continuous';
  readonly min: number;
  readonly max: number;
  /** Median of the non-null values (mean of the two middle values for an even count). */
  readonly median: number;
  /** Mean of the non-null values. */
  readonly mean: number;
  /** Nulls are replaced by `median`; `nullCount` rows were imputed. */
  readonly nullsImputedWith: 'median';
  /**
   * Present when the column looks like integer codes rather than a quantity (few distinct
   * integers and a key-like name: codes.ts `codeWarning`): a sentence with the numbers and the
   * override to use. Also listed in the dictionary's `warnings`.
   */
  readonly warning?: string;
}

/**
 * A column with exactly 2 distinct values: the more frequent value is 0, the other 1; on a tie
 * the smaller value (numbers numerically, strings by code unit, null first) is 0.
 * Categorical nulls are a value of their own (so `null` may be `zeroValue` or `oneValue`);
 * numeric nulls count as `zeroValue` (the median of a two-valued column is its more frequent value).
 */
export interface BinaryEntry extends FeatureEntryBase {
  readonly treatment: 'binary';
  readonly zeroValue: BinaryValue;
  readonly oneValue: BinaryValue;
  /** Rows holding zeroValue / oneValue (numeric nulls not included; they are in nullCount). */
  readonly zeroCount: number;
  readonly oneCount: number;
  /** What a null row becomes: 'zero_value' (numeric), 'own_value' (categorical: null is one of the two values), 'none' (no nulls). */
  readonly nullsAs: 'zero_value' | 'own_value' | 'none';
}

/** Values bucketed into the `other` dummy. */
export interface OtherBucket {
  /** Rows in `other`. */
  readonly count: number;
  /** Distinct values in `other`. */
  readonly distinctCount: number;
  /** The most frequent of them (count descending, then value), at most {@link OTHER_VALUES_LISTED}. */
  readonly values: CategoryValue[];
  /** True when `values` lists only some of them. */
  readonly valuesTruncated: boolean;
}

/**
 * A categorical column with 3 or more distinct values: one dummy per value on at least
 * minCategoryShare of rows (`kept`, count descending then value), plus one `other` dummy for the
 * rest when there is a rest. When no value is on minCategoryShare of rows and `keepTopCategories`
 * is N > 0, the N most frequent values are kept instead (`keptTop` says so). Each dummy is
 * divided by `dummyCount` so a feature weighs the same however many values it has.
 */
export interface DummiesEntry extends FeatureEntryBase {
  readonly treatment: 'dummies';
  readonly kept: { readonly value: CategoryValue; readonly count: number }[];
  readonly other: OtherBucket | null;
  /** kept.length plus 1 when `other` exists. */
  readonly dummyCount: number;
  /** Nulls are a category of their own (they may be kept or in other). */
  readonly nullsAs: 'own_value';
  /**
   * Present when the column would have been dropped as no_frequent_value and `keepTopCategories`
   * kept its most frequent values instead: the option's value and a sentence with the numbers.
   */
  readonly keptTop?: { readonly keepTopCategories: number; readonly detail: string };
}

export type FeatureEntry = ContinuousEntry | BinaryEntry | DummiesEntry;
export type DictionaryEntry = UserIdEntry | DroppedEntry | FeatureEntry;

export interface DataDictionary {
  /** The input table's name. */
  readonly table: string;
  readonly rowCount: number;
  readonly userId: string;
  readonly minCategoryShare: number;
  readonly maxNullShare: number;
  /** One entry per input column, in input order. */
  readonly columns: DictionaryEntry[];
  /** Things the user may want to know that did not stop the run (e.g. an exclusion that matched nothing). */
  readonly warnings: string[];
}

/** At most this many values of the `other` bucket are listed in the dictionary. */
export const OTHER_VALUES_LISTED = 50;

/**
 * One column of the engineered matrix: which input feature it belongs to and what it holds.
 * - continuous: the min-max scaled value of a numeric column;
 * - binary: 0 / 1 (see {@link BinaryEntry});
 * - dummy: 1 when the feature has value `category`;
 * - other: 1 when the feature has a value not kept as a dummy.
 */
export type FeatureColumn =
  | { readonly name: string; readonly feature: string; readonly kind: 'continuous' }
  | { readonly name: string; readonly feature: string; readonly kind: 'binary' }
  | { readonly name: string; readonly feature: string; readonly kind: 'dummy'; readonly category: CategoryValue }
  | { readonly name: string; readonly feature: string; readonly kind: 'other' };

/** Display name of a dummy column: `feature=value`, `feature=(null)` for the null category. */
export function dummyName(feature: string, value: CategoryValue): string {
  return `${feature}=${value === null ? '(null)' : value}`;
}

/** Display name of a feature's `other` dummy column. */
export function otherName(feature: string): string {
  return `${feature}=(other)`;
}

export function isFeatureEntry(e: DictionaryEntry): e is FeatureEntry {
  return e.treatment === 'continuous' || e.treatment === 'binary' || e.treatment === 'dummies';
}

/** The kept features of a dictionary, in matrix order. */
export function featureEntries(d: DataDictionary): FeatureEntry[] {
  return d.columns.filter(isFeatureEntry);
}

/**
 * Total order on binary / category values used for every tie-break: null first, then numbers
 * ascending, then strings by UTF-16 code unit (locale-independent, same on every machine).
 */
export function compareValues(a: BinaryValue, b: BinaryValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
