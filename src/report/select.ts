import type { CategoricalProfile, ContinuousProfile, FeatureProfile, SegmentationSummary } from '../segmentation/explain';
import { distinguishesAnySegment } from '../segmentation/labels';

/**
 * Which features the report shows, and in what order. Only features that set at least one
 * segment apart (segmentation/labels.ts `distinguishes`: a clear difference from the average
 * customer, beyond chance) are charted. The report stays readable and bounded in size however
 * wide the table: at most {@link MAX_FEATURE_CHARTS} features of each kind get a chart, and the
 * compactness heat map has at most {@link MAX_HEATMAP_FEATURES} rows.
 */
export const MAX_FEATURE_CHARTS = 8;
export const MAX_HEATMAP_FEATURES = 24;
/** Features named on a profile card as setting the segment apart. */
export const CARD_FEATURES = 4;
/** Bars of a card's distance-share chart (the rest are summed into one bar). */
export const CARD_SHARE_BARS = 6;

export const isCategorical = (p: FeatureProfile): p is CategoricalProfile => p.kind !== 'continuous';
export const isContinuous = (p: FeatureProfile): p is ContinuousProfile => p.kind === 'continuous';

/** The highest purity of any non-empty segment. */
export function maxPurity(p: CategoricalProfile): number {
  return p.segments.reduce((m, s) => Math.max(m, s.purity), 0);
}

/** The highest relative compactness of any non-empty segment (-Infinity when there is none). */
export function maxCompactness(p: ContinuousProfile): number {
  return p.segments.reduce((m, s) => (s.compactness !== null && s.compactness > m ? s.compactness : m), -Infinity);
}

/** The features that set no segment apart (left out of the feature charts), in feature order. */
export function indistinct(summary: SegmentationSummary): FeatureProfile[] {
  return summary.features.filter((p) => !distinguishesAnySegment(p));
}

/**
 * Binary and categorical features that set a segment apart, most important first: by
 * information gain (how much knowing the segment tells about the value), then by the highest
 * per-segment purity, then input order.
 */
export function rankCategorical(summary: SegmentationSummary): CategoricalProfile[] {
  const all = summary.features.map((p, i) => ({ p, i })).filter((x): x is { p: CategoricalProfile; i: number } => isCategorical(x.p) && distinguishesAnySegment(x.p));
  all.sort((a, b) => b.p.informationGain - a.p.informationGain || maxPurity(b.p) - maxPurity(a.p) || a.i - b.i);
  return all.map((x) => x.p);
}

/**
 * Continuous features that set a segment apart, most important first: by the highest relative
 * compactness in any segment (the seed's measure: a feature much tighter in one segment than
 * overall describes that segment), then input order.
 */
export function rankContinuous(summary: SegmentationSummary): ContinuousProfile[] {
  const all = summary.features.map((p, i) => ({ p, i })).filter((x): x is { p: ContinuousProfile; i: number } => isContinuous(x.p) && distinguishesAnySegment(x.p));
  all.sort((a, b) => maxCompactness(b.p) - maxCompactness(a.p) || a.i - b.i);
  return all.map((x) => x.p);
}
