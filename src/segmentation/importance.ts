/**
 * Which features drive the segmentation: permutation importance on the model's own assignment
 * (nearest centroid), the analogue of the original's random-forest importances without a
 * surrogate model.
 *
 * For each input feature (all its matrix columns together: a categorical's dummies move as one),
 * the sample's rows of those columns are shuffled (a seeded permutation, the same one for every
 * column of the feature), every row is assigned again, and the importance is the share of rows
 * whose segment changes; per segment, the share of that segment's rows that leave it. Averaged
 * over `repeats` permutations. 0 means the feature does not affect any assignment; a feature that
 * alone separates the segments moves about 1 - 1/k of the rows.
 */
import type { FeatureColumn } from './dictionary';
import { nearestCentroids } from './distance';
import { matrix, takeRows, type Matrix } from './matrix';
import { Rng, sampleIndices } from './rng';

export interface FeatureImportance {
  readonly feature: string;
  /** Share of the sample's rows whose segment changes when the feature is shuffled, in [0, 1]. */
  readonly importance: number;
  /** Per segment (index = segment number): share of its rows that leave it. */
  readonly bySegment: number[];
}

export interface ImportanceOptions {
  /** Seeds the sample and the permutations. */
  readonly seed: number;
  /** Rows used (a seeded sample when the matrix has more). Default 10,000. */
  readonly sampleSize?: number;
  /** Permutations averaged per feature. Default 3. */
  readonly repeats?: number;
}

/**
 * Permutation importance of each feature (see the module comment), most important first (ties in
 * feature order). `featureColumns[j]` names the feature of matrix column j.
 */
export function permutationImportance(m: Matrix, centroids: Float64Array, k: number, featureColumns: readonly FeatureColumn[], options: ImportanceOptions): FeatureImportance[] {
  if (featureColumns.length !== m.cols) throw new RangeError(`${featureColumns.length} feature columns for a matrix of ${m.cols} columns`);
  const repeats = options.repeats ?? 3;
  const rows = Math.min(options.sampleSize ?? 10_000, m.rows);
  const sample = rows === m.rows ? m : takeRows(m, sampleIndices(m.rows, rows, options.seed));
  const base = nearestCentroids(sample, centroids, k).labels.slice();
  const sizes = new Float64Array(k);
  for (let i = 0; i < rows; i++) sizes[base[i]]++;
  const features = [...new Set(featureColumns.map((c) => c.feature))];
  const d = m.cols;
  const shuffled = matrix(rows, d, new Float64Array(sample.data));
  const labels = new Int32Array(rows);
  const out = features.map((feature, f) => {
    const cols = featureColumns.flatMap((c, j) => (c.feature === feature ? [j] : []));
    let moved = 0;
    const movedBy = new Float64Array(k);
    for (let r = 0; r < repeats; r++) {
      const rng = new Rng((options.seed >>> 0) * 4096 + f * 16 + r);
      // Fisher-Yates over row indices; the feature's columns take the permuted rows' values.
      const perm = Int32Array.from({ length: rows }, (_, i) => i);
      for (let i = rows - 1; i > 0; i--) {
        const j = Math.floor(rng.nextFloat() * (i + 1));
        const t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
      }
      for (let i = 0; i < rows; i++) for (const j of cols) shuffled.data[i * d + j] = sample.data[perm[i] * d + j];
      nearestCentroids(shuffled, centroids, k, labels);
      for (let i = 0; i < rows; i++) {
        if (labels[i] !== base[i]) {
          moved++;
          movedBy[base[i]]++;
        }
      }
      for (let i = 0; i < rows; i++) for (const j of cols) shuffled.data[i * d + j] = sample.data[i * d + j];
    }
    return { feature, importance: moved / (repeats * rows), bySegment: Array.from(movedBy, (v, s) => (sizes[s] > 0 ? v / (repeats * sizes[s]) : 0)), order: f };
  });
  out.sort((a, b) => b.importance - a.importance || a.order - b.order);
  return out.map(({ feature, importance, bySegment }) => ({ feature, importance, bySegment }));
}
