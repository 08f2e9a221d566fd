import { textColumn } from './codes';
import type { CategoryValue, DataDictionary, FeatureColumn, FeatureEntry } from './dictionary';
import { featureEntries } from './dictionary';
import { SegmentationInputError, show } from './errors';
import { matrix, type Matrix } from './matrix';
import { readColumn, type ColumnarTable, type InputColumn } from './table';

/**
 * Turns table rows into the engineered matrix, by the data dictionary, a scaler and per-column
 * weights. Training (`engineerFeatures`) and scoring new customers (`assign`) both call
 * {@link encodeTable}, so the same row always gives the same bits.
 *
 * For matrix column j holding raw value r (the imputed number of a continuous feature, 0 / 1 for a
 * binary or dummy column):
 *
 *     x[i, j] = ((r - min[j]) / (max[j] - min[j])) * weights[j]
 *
 * where min / max are the training range (a constant training column, which cannot happen for a
 * kept feature, would give 0) and weights[j] = priority factor of the feature, divided by its
 * dummy count for dummy / other columns.
 *
 * Rows unseen at training time: a numeric null becomes the training median (continuous) or the
 * zero value (binary); a value outside the training range scales outside [0, 1] (no clipping);
 * an unseen categorical value goes to the feature's `other` dummy when it has one and otherwise
 * to all-zero dummies; a binary column's unseen value counts as its zero (more frequent) value.
 *
 * A numeric column the `categorical` option made categorical (`categoricalOverride`) is read as
 * its values' text ({@link featureInput}): a number that is not a kept value, integer or not,
 * is an unseen value.
 */

/** Min-max scaling per matrix column (binary and dummy columns have min 0, max 1). */
export interface MinMaxScaler {
  readonly kind: 'minmax';
  readonly min: number[];
  readonly max: number[];
}

/** Everything needed to encode rows: JSON, stored as is in the model artifact. */
export interface EncodingPlan {
  readonly dictionary: DataDictionary;
  readonly featureColumns: FeatureColumn[];
  readonly scaler: MinMaxScaler;
  readonly weights: number[];
}

/** Finds an input column by exact name and checks it has the kind the dictionary expects. */
function inputColumn(table: ColumnarTable, e: FeatureEntry): InputColumn {
  const c = table.columns.find((x) => x.name === e.column);
  if (c === undefined) {
    throw new SegmentationInputError('MISSING_COLUMN', `table ${table.name} has no column ${show(e.column)}, which the model uses as a feature; add the column (nulls are allowed) and score again.`, {
      table: table.name,
      column: e.column,
    });
  }
  if (c.kind !== e.sourceKind) {
    throw new SegmentationInputError(
      'COLUMN_KIND_MISMATCH',
      `column ${show(e.column)} of table ${table.name} is ${c.kind}, but the model was trained on it as ${e.sourceKind}; cast it back to the type it had at training time.`,
      { table: table.name, column: e.column, value: c.kind },
    );
  }
  const len = c.values.length;
  if (len !== table.rowCount || (c.kind === 'numeric' && c.nulls.length !== table.rowCount)) {
    throw new SegmentationInputError('BAD_TABLE', `column ${show(c.name)} of table ${table.name} has ${len} values but the table has ${table.rowCount} rows; every column needs one value per row.`, {
      table: table.name,
      column: c.name,
    });
  }
  return c;
}

/**
 * A column as its feature reads it: a numeric column with `categoricalOverride` as the
 * categorical of its values' text (after the NaN / Infinity check), any other column as it is.
 */
export function featureInput(table: ColumnarTable, c: InputColumn, e: FeatureEntry): InputColumn {
  if (e.categoricalOverride !== true || c.kind !== 'numeric') return c;
  checkFinite(table, c);
  return textColumn(c);
}

/** Throws NON_FINITE_VALUE at the first NaN / Infinity in a non-null slot of a numeric column. */
export function checkFinite(table: ColumnarTable, c: Extract<InputColumn, { kind: 'numeric' }>): void {
  const v = c.values;
  const nulls = c.nulls;
  for (let i = 0; i < v.length; i++) {
    const x = v[i];
    if (x - x !== 0 && nulls[i] === 0) {
      throw new SegmentationInputError(
        'NON_FINITE_VALUE',
        `column ${show(c.name)} of table ${table.name} has the non-finite value ${x} at row ${i}; NaN and Infinity are not nulls: turn them into NULL (or a number) upstream, or exclude the column.`,
        { table: table.name, column: c.name, value: String(x), row: i },
      );
    }
  }
}

/**
 * The category index of every row of a categorical feature: codes[i] in [0, kept.length) for a
 * kept value, kept.length for `other` (also unseen values when the feature has `other`), -1 for
 * an unseen value of a feature without `other` (all-zero dummies).
 */
export function dummyCodes(c: Extract<InputColumn, { kind: 'categorical' }>, kept: readonly { value: CategoryValue }[], hasOther: boolean): Int32Array {
  const index = new Map<CategoryValue, number>();
  kept.forEach((k, j) => index.set(k.value, j));
  const fallback = hasOther ? kept.length : -1;
  const out = new Int32Array(c.values.length);
  const vals = c.values;
  for (let i = 0; i < vals.length; i++) {
    const j = index.get(vals[i]);
    out[i] = j === undefined ? fallback : j;
  }
  return out;
}

/** 0 / 1 per row of a binary feature (1 exactly when the row holds `oneValue`). */
export function binaryBits(table: ColumnarTable, column: InputColumn, oneValue: string | number | null): Uint8Array {
  const n = table.rowCount;
  const out = new Uint8Array(n);
  const c = readColumn(column);
  if (c.kind === 'numeric') {
    const v = c.values;
    const nulls = c.nulls;
    for (let i = 0; i < n; i++) out[i] = nulls[i] === 0 && v[i] === oneValue ? 1 : 0;
  } else {
    const v = c.values;
    for (let i = 0; i < n; i++) out[i] = v[i] === oneValue ? 1 : 0;
  }
  return out;
}

/** The imputed numeric values of a continuous feature (nulls -> `median`), as a new array. */
export function imputedValues(c: Extract<InputColumn, { kind: 'numeric' }>, median: number): Float64Array {
  const out = Float64Array.from(c.values);
  const nulls = c.nulls;
  for (let i = 0; i < out.length; i++) if (nulls[i] !== 0) out[i] = median;
  return out;
}

/** Rows written per block: a block of the matrix stays in cache while every feature writes into it. */
const ENCODE_BLOCK = 1024;

/**
 * Encodes every row of `table` with `plan` into a rows x featureColumns matrix (see the file
 * comment for the formula). Throws SegmentationInputError for a missing column, a column of the
 * wrong kind, a length mismatch, or NaN / Infinity in a numeric feature.
 * Writes the matrix block of rows by block of rows (not column by column), so each block is
 * written while in cache.
 */
export function encodeTable(table: ColumnarTable, plan: EncodingPlan): Matrix {
  const n = table.rowCount;
  const d = plan.featureColumns.length;
  const out = matrix(n, d);
  const x = out.data;
  const { min, max } = plan.scaler;
  const w = plan.weights;
  const writers: ((start: number, end: number) => void)[] = [];
  for (const e of featureEntries(plan.dictionary)) {
    const c = featureInput(table, inputColumn(table, e), e);
    if (e.treatment === 'continuous') {
      if (c.kind !== 'numeric') throw new Error('unreachable: kind checked');
      checkFinite(table, c);
      const j = e.columns[0];
      const lo = min[j];
      const range = max[j] - lo;
      const wj = w[j];
      const v = c.values;
      const nulls = c.nulls;
      const med = e.median;
      writers.push((start, end) => {
        for (let i = start; i < end; i++) {
          const r = nulls[i] !== 0 ? med : v[i];
          x[i * d + j] = range === 0 ? 0 : ((r - lo) / range) * wj;
        }
      });
    } else if (e.treatment === 'binary') {
      if (c.kind === 'numeric') checkFinite(table, c);
      const j = e.columns[0];
      const bits = binaryBits(table, c, e.oneValue);
      const lo = min[j];
      const range = max[j] - lo;
      const on = ((1 - lo) / range) * w[j];
      const off = ((0 - lo) / range) * w[j];
      writers.push((start, end) => {
        for (let i = start; i < end; i++) x[i * d + j] = bits[i] === 1 ? on : off;
      });
    } else {
      if (c.kind !== 'categorical') throw new Error('unreachable: kind checked');
      const codes = dummyCodes(c, e.kept, e.other !== null);
      const cols = Int32Array.from(e.columns);
      // dummy columns: 1 -> ((1 - min) / range) * w, 0 -> ((0 - min) / range) * w (min 0, max 1 at training)
      const on = Float64Array.from(e.columns, (j) => ((1 - min[j]) / (max[j] - min[j])) * w[j]);
      const off = Float64Array.from(e.columns, (j) => ((0 - min[j]) / (max[j] - min[j])) * w[j]);
      const m = cols.length;
      writers.push((start, end) => {
        for (let i = start; i < end; i++) {
          const row = i * d;
          const code = codes[i];
          for (let t = 0; t < m; t++) x[row + cols[t]] = t === code ? on[t] : off[t];
        }
      });
    }
  }
  for (let start = 0; start < n; start += ENCODE_BLOCK) {
    const end = Math.min(n, start + ENCODE_BLOCK);
    for (const write of writers) write(start, end);
  }
  return out;
}
