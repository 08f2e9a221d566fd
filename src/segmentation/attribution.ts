/**
 * Why a customer is in its segment: an exact split of its assignment margin into one term per
 * input feature (the model-free counterpart of the original's SHAP values).
 *
 * A row x is assigned to its nearest centroid c; its runner-up c2 is the nearest other centroid.
 * The margin
 *
 *     m(x) = ||x - c2||^2 - ||x - c||^2 = sum_j (c_j - c2_j) (2 x_j - c_j - c2_j)      (>= 0)
 *
 * is a sum over matrix columns j; grouping the columns by input feature (a categorical's dummies
 * together) gives one term per feature whose sum is the margin exactly (up to rounding). A
 * positive term pulls the customer towards its segment, a negative one towards the runner-up;
 * the margin is how far the customer is from switching segment, in the squared units of the
 * model's (scaled, weighted) feature space.
 */
import type { FeatureColumn } from './dictionary';
import { nearestCentroids } from './distance';
import { takeRows, type Matrix } from './matrix';
import { sampleIndices } from './rng';

/** Matrix column -> feature index, and the feature names in matrix order. */
export interface FeatureGroups {
  readonly features: string[];
  readonly ofColumn: Int32Array;
}

export function featureGroups(featureColumns: readonly FeatureColumn[]): FeatureGroups {
  const features: string[] = [];
  const index = new Map<string, number>();
  const ofColumn = new Int32Array(featureColumns.length);
  featureColumns.forEach((c, j) => {
    let f = index.get(c.feature);
    if (f === undefined) {
      f = features.length;
      index.set(c.feature, f);
      features.push(c.feature);
    }
    ofColumn[j] = f;
  });
  return { features, ofColumn };
}

export interface RowAttribution {
  readonly segment: number;
  readonly runnerUp: number;
  /** ||x - c2||^2 - ||x - c||^2, computed from the two distances. */
  readonly margin: number;
  /** One term per feature (FeatureGroups order); they sum to the margin. */
  readonly terms: Float64Array;
}

/**
 * The margin attribution of row `i` of `m`, assigned to `segment` (the model's label for it; the
 * runner-up is the nearest other centroid, ties to the lower index). `terms` is reused if given.
 */
export function attributeRow(m: Matrix, i: number, centroids: Float64Array, k: number, segment: number, groups: FeatureGroups, terms = new Float64Array(groups.features.length)): RowAttribution {
  const d = m.cols;
  const x = m.data;
  const base = i * d;
  let runnerUp = -1;
  let best = Infinity;
  let own = 0;
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const diff = x[base + j] - centroids[c * d + j];
      s += diff * diff;
    }
    if (c === segment) own = s;
    else if (s < best) {
      best = s;
      runnerUp = c;
    }
  }
  terms.fill(0);
  const a = segment * d;
  const b = runnerUp * d;
  for (let j = 0; j < d; j++) {
    const cj = centroids[a + j];
    const c2j = centroids[b + j];
    terms[groups.ofColumn[j]] += (cj - c2j) * (2 * x[base + j] - cj - c2j);
  }
  return { segment, runnerUp, margin: best - own, terms };
}

/** The `top` features with the largest terms (ties in feature order), for a per-customer "why". */
export function topFeatures(terms: Float64Array, groups: FeatureGroups, top: number): string[] {
  const order = Array.from(terms.keys()).sort((p, q) => terms[q] - terms[p] || p - q);
  return order.slice(0, top).map((f) => groups.features[f]);
}

export interface FeatureContribution {
  readonly feature: string;
  /** Mean term over the segment's rows (squared distance units). */
  readonly meanTerm: number;
  /** meanTerm / the segment's mean margin: the feature's share of what keeps the segment apart. */
  readonly share: number;
}

export interface SegmentAttribution {
  readonly segment: number;
  /** Rows of the segment in the sample the averages were taken on. */
  readonly rows: number;
  readonly meanMargin: number;
  /** The most frequent runner-up segment (-1 for an empty segment). */
  readonly nearestOther: number;
  /** Every feature, largest mean term first (ties in feature order). */
  readonly features: FeatureContribution[];
}

export interface AttributionOptions {
  readonly seed: number;
  /** Rows used (a seeded sample when the matrix has more); default 10,000. */
  readonly sampleSize?: number;
}

/**
 * Per segment, the mean margin and each feature's mean term over its rows (a seeded sample of at
 * most `sampleSize` rows; the same sample as permutation importance for the same seed and size).
 */
export function segmentAttribution(m: Matrix, centroids: Float64Array, k: number, featureColumns: readonly FeatureColumn[], options: AttributionOptions): SegmentAttribution[] {
  if (featureColumns.length !== m.cols) throw new RangeError(`${featureColumns.length} feature columns for a matrix of ${m.cols} columns`);
  const rows = Math.min(options.sampleSize ?? 10_000, m.rows);
  const sample = rows === m.rows ? m : takeRows(m, sampleIndices(m.rows, rows, options.seed));
  const labels = nearestCentroids(sample, centroids, k).labels;
  const groups = featureGroups(featureColumns);
  const nf = groups.features.length;
  const sums = Array.from({ length: k }, () => new Float64Array(nf));
  const margins = new Float64Array(k);
  const counts = new Float64Array(k);
  const runnerUps = Array.from({ length: k }, () => new Float64Array(k));
  const terms = new Float64Array(nf);
  for (let i = 0; i < rows; i++) {
    const r = attributeRow(sample, i, centroids, k, labels[i], groups, terms);
    counts[r.segment]++;
    margins[r.segment] += r.margin;
    runnerUps[r.segment][r.runnerUp]++;
    for (let f = 0; f < nf; f++) sums[r.segment][f] += terms[f];
  }
  return Array.from({ length: k }, (_, s) => {
    const n = counts[s];
    const meanMargin = n > 0 ? margins[s] / n : 0;
    let nearestOther = -1;
    for (let c = 0; c < k; c++) if (runnerUps[s][c] > 0 && (nearestOther < 0 || runnerUps[s][c] > runnerUps[s][nearestOther])) nearestOther = c;
    const features = groups.features
      .map((feature, f) => {
        const meanTerm = n > 0 ? sums[s][f] / n : 0;
        return { feature, meanTerm, share: meanMargin > 0 ? meanTerm / meanMargin : 0, f };
      })
      .sort((p, q) => q.meanTerm - p.meanTerm || p.f - q.f)
      .map(({ feature, meanTerm, share }) => ({ feature, meanTerm, share }));
    return { segment: s, rows: n, meanMargin, nearestOther, features };
  });
}

/** How many reasons per customer the `reasons` option writes (`reason_1` .. `reason_3`). */
export const REASON_COUNT = 3;

/**
 * Per customer, the `top` features that most keep it in its segment (largest margin terms), as
 * `top` columns of feature names: column t holds every row's (t+1)-th reason ('' when the model
 * has fewer features). `labels` are the model's segments of the rows.
 */
export function customerReasons(m: Matrix, labels: Int32Array, centroids: Float64Array, k: number, featureColumns: readonly FeatureColumn[], top = 3): string[][] {
  const groups = featureGroups(featureColumns);
  const out = Array.from({ length: top }, () => new Array<string>(m.rows));
  const terms = new Float64Array(groups.features.length);
  for (let i = 0; i < m.rows; i++) {
    attributeRow(m, i, centroids, k, labels[i], groups, terms);
    const names = topFeatures(terms, groups, top);
    for (let t = 0; t < top; t++) out[t][i] = names[t] ?? '';
  }
  return out;
}
