import { featureEntries, type DataDictionary, type FeatureColumn, type FeatureEntry } from './dictionary';
import { featureInput } from './encode';
import { binaryProfile, categoricalProfile, continuousProfile, indexSegments, type FeatureProfile } from './featureProfiles';
import { segmentLabels, type DisplayNames } from './labels';
import type { FeatureImportance } from './importance';
import type { SegmentAttribution } from './attribution';
import type { SegmentRule } from './rules';
import type { Matrix } from './matrix';
import type { ColumnarTable } from './table';

export type { CategoricalProfile, ContinuousProfile, FeatureProfile } from './featureProfiles';

/**
 * Explains segments, as one JSON-serialisable summary the report draws from:
 *
 * - per segment: size and share of customers; each feature's share of the squared distance
 *   between the segment's centroid and the global mean, in the weighted scaled space the
 *   clustering saw (a feature's dummies are summed: share_f = sum_{j in f} (mu_cj - m_j)^2 /
 *   sum_j (mu_cj - m_j)^2, so shares sum to 1; all 0 in the degenerate case of a centroid equal to
 *   the mean); a short label, unique across segments, from the features that set the segment
 *   apart from the others the most (labels.ts);
 * - per continuous feature (original, imputed values): mean, std, min, max, median, quantiles and
 *   a histogram on fixed bins over the population range, for the population and each segment,
 *   and relative feature compactness 1 - std(segment) / std(population);
 * - per binary / categorical feature (engineered categories): counts and shares per segment and
 *   in the population, information gain (mutual information with the segment labels, bits) and
 *   per-segment purity (share of the most frequent category).
 *
 * The centroid of a segment is the mean of its rows (what Lloyd converges to). Cost: one pass over
 * the matrix, and per feature a few O(n) passes (quantiles by selection, not sorting).
 */
export interface ExplainOptions {
  /** Histogram bins per continuous feature. Default 20. */
  readonly bins?: number;
  /** Quantile levels reported per continuous feature. Default [0.1, 0.25, 0.5, 0.75, 0.9]. */
  readonly quantileLevels?: number[];
  /** Features named in a segment label. Default 2 (more are added only to make labels unique). */
  readonly labelFeatures?: number;
  /** Human names of columns (the run config's `labels`), used in the segment labels. */
  readonly names?: DisplayNames;
}

export interface FeatureShare {
  readonly feature: string;
  readonly share: number;
}

export interface SegmentSummary {
  /** Segment number (0 = the largest; see `segment()`). */
  readonly segment: number;
  /** e.g. `high total_spend, country=JP` (`high total spend, Country: JP` with human names); unique across segments. */
  readonly label: string;
  readonly size: number;
  readonly share: number;
  /** Every feature's share of the squared centroid-to-mean distance, largest first (ties: feature order). */
  readonly distanceShares: FeatureShare[];
}

export interface SegmentationSummary {
  readonly rowCount: number;
  /**
   * Set when the feature profiles describe a sample (pushdown mode): its size. Segment sizes and
   * shares are then the full table's, and rowCount is the full table's too.
   */
  readonly profiledRows?: number;
  readonly k: number;
  readonly segments: SegmentSummary[];
  /** One profile per kept feature, in feature order. */
  readonly features: FeatureProfile[];
  /**
   * Which features drive the assignment, most important first (importance.ts: permutation
   * importance on a seeded sample). Absent in summaries made before it existed.
   */
  readonly importance?: FeatureImportance[];
  /**
   * Why customers are in their segment (attribution.ts): per segment, each feature's mean share of
   * the assignment margin over a seeded sample. Absent in summaries made before it existed.
   */
  readonly attribution?: SegmentAttribution[];
  /**
   * One readable rule per segment (rules.ts: a depth-3 one-vs-rest decision tree on the source
   * values of a seeded sample), with its precision and coverage. Absent in older summaries.
   */
  readonly rules?: SegmentRule[];
}

/** What `explainSegments` needs of the feature engineering result. */
export interface ExplainInput {
  readonly matrix: Matrix;
  readonly dictionary: DataDictionary;
  readonly featureColumns: FeatureColumn[];
}

/** Per-segment and global column means of the matrix (weighted scaled space). */
function centroidsAndMean(m: Matrix, labels: Int32Array, k: number, sizes: Int32Array): { centroids: Float64Array; mean: Float64Array } {
  const d = m.cols;
  const x = m.data;
  const sums = new Float64Array(k * d);
  for (let i = 0; i < m.rows; i++) {
    const o = labels[i] * d;
    const r = i * d;
    for (let j = 0; j < d; j++) sums[o + j] += x[r + j];
  }
  const mean = new Float64Array(d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mean[j] += sums[c * d + j];
  for (let j = 0; j < d; j++) mean[j] /= m.rows;
  for (let c = 0; c < k; c++) {
    const s = sizes[c];
    for (let j = 0; j < d; j++) sums[c * d + j] = s > 0 ? sums[c * d + j] / s : mean[j];
  }
  return { centroids: sums, mean };
}

/** Each feature's share of one segment's squared distance from the mean, in feature order. */
function distanceShares(entries: FeatureEntry[], centroids: Float64Array, mean: Float64Array, c: number, d: number): number[] {
  const parts = entries.map((e) => e.columns.reduce((s, j) => s + (centroids[c * d + j] - mean[j]) ** 2, 0));
  const total = parts.reduce((s, v) => s + v, 0);
  return parts.map((v) => (total > 0 ? v / total : 0));
}

/**
 * Explains the segments `labels` (in [0, k)) of the engineered rows; `table` is the input table
 * the features were engineered from (read for the original values). See the module comment.
 */
export function explainSegments(table: ColumnarTable, input: ExplainInput, labels: Int32Array, k: number, options: ExplainOptions = {}): SegmentationSummary {
  const bins = options.bins ?? 20;
  const quantileLevels = options.quantileLevels ?? [0.1, 0.25, 0.5, 0.75, 0.9];
  if (!Number.isSafeInteger(bins) || bins < 1) throw new RangeError(`bins must be an integer >= 1, got ${bins}`);
  if (!Number.isSafeInteger(k) || k < 1) throw new RangeError(`k must be an integer >= 1, got ${k}`);
  if (labels.length !== input.matrix.rows || table.rowCount !== input.matrix.rows) {
    throw new RangeError(`labels (${labels.length}), table (${table.rowCount}) and matrix (${input.matrix.rows}) must have the same rows`);
  }
  const n = input.matrix.rows;
  const seg = indexSegments(labels, k);
  const entries = featureEntries(input.dictionary);
  const scratch = new Float64Array(n);
  const profileOpts = { bins, quantileLevels };
  const profiles: FeatureProfile[] = entries.map((e): FeatureProfile => {
    const c = table.columns.find((x) => x.name === e.column);
    if (c === undefined || c.kind !== e.sourceKind) throw new RangeError(`table ${table.name} has no ${e.sourceKind} column ${e.column}`);
    if (e.treatment === 'continuous') {
      if (c.kind !== 'numeric') throw new Error('unreachable');
      return continuousProfile(c, e, seg, scratch, profileOpts);
    }
    const read = featureInput(table, c, e); // a `categorical` numeric column: its values' text
    if (e.treatment === 'binary') return binaryProfile(table, read, e, seg, labels);
    if (read.kind !== 'categorical') throw new Error('unreachable');
    return categoricalProfile(read, e, seg, labels);
  });

  const { centroids, mean } = centroidsAndMean(input.matrix, labels, k, seg.sizes);
  return summaryFromProfiles({
    dictionary: input.dictionary,
    k,
    dim: input.matrix.cols,
    sizes: Array.from(seg.sizes),
    centroids,
    mean,
    profiles,
    labelFeatures: options.labelFeatures,
    names: options.names,
  });
}

/**
 * The summary from what explaining needs of the rows, however it was computed (in process by
 * {@link explainSegments}, or by aggregate queries in the warehouse): the feature profiles, the
 * segment sizes, and the segments' centroids (k x dim, row-major) and the global mean of the
 * matrix (dim). Distance shares, labels and shares follow from them.
 */
export function summaryFromProfiles(input: {
  readonly dictionary: DataDictionary;
  readonly k: number;
  readonly dim: number;
  readonly sizes: readonly number[];
  readonly centroids: Float64Array;
  readonly mean: Float64Array;
  readonly profiles: FeatureProfile[];
  readonly labelFeatures?: number;
  readonly names?: DisplayNames;
}): SegmentationSummary {
  const { k, dim, sizes, centroids, mean, profiles } = input;
  const entries = featureEntries(input.dictionary);
  const n = sizes.reduce((a, b) => a + b, 0);
  const shares = Array.from({ length: k }, (_, s) => distanceShares(entries, centroids, mean, s, dim));
  const ranked = shares.map((sh) =>
    sh
      .map((v, f) => ({ v, f }))
      .sort((a, b) => b.v - a.v || a.f - b.f)
      .map((x) => x.f),
  );
  const names = segmentLabels(profiles, k, { names: input.names, want: input.labelFeatures });
  const segments: SegmentSummary[] = shares.map((sh, s) => ({
    segment: s,
    label: names[s],
    size: sizes[s],
    share: sizes[s] / n,
    distanceShares: ranked[s].map((f) => ({ feature: entries[f].column, share: sh[f] })),
  }));
  return { rowCount: n, k, segments, features: profiles };
}
