import { buildModel, type SegmentationModel } from './artifact';
import type { DataDictionary } from './dictionary';
import { engineerFeatures, type EngineeredFeatures } from './engineer';
import { explainSegments, type ExplainOptions, type SegmentationSummary } from './explain';
import { kmeans } from './kmeans';
import { kCandidates, type SegmentationOptionsInput } from './options';
import { canonicalOrder } from './relabel';
import { scoreKs, type KScore } from './scoring';
import { selectK, type KSelection } from './selectK';
import type { ColumnarTable } from './table';
import { segmentDrivers } from './drivers';

/**
 * autoseg's segmentation engine: a pure, deterministic library (no I/O, no Temporal; every
 * random choice from the options' seed). The pipeline's activities call the steps one by one;
 * {@link segment} runs them all in one synchronous call for library users and tests.
 */
export { assign, buildModel, encodeWithModel, validateModel, MODEL_FORMAT, MODEL_VERSION, type SegmentationModel } from './artifact';
export { defaultExclusion, globToRegExp, isIdentifierLikeName } from './columnRules';
export * from './dictionary';
export { nearestCentroids } from './distance';
export { encodeTable, type EncodingPlan, type MinMaxScaler } from './encode';
export { engineerFeatures, readUserIds, validateTable, type EngineeredFeatures } from './engineer';
export { isSegmentationInputError, SegmentationInputError, type SegmentationErrorCode, type SegmentationErrorContext } from './errors';
export { explainSegments, type ExplainInput, type ExplainOptions, type FeatureShare, type SegmentationSummary, type SegmentSummary } from './explain';
export type { CategoricalProfile, ContinuousProfile, ContinuousStats, FeatureProfile, SegmentCategoryStats, SegmentContinuousStats } from './featureProfiles';
export { kmeans, type KMeansResult } from './kmeans';
export { kneedle, type KneedleOptions, type KneedleResult } from './kneedle';
export { matrix, takeRows, type Matrix } from './matrix';
export { kCandidates, parseOptions, segmentationOptionsSchema, type PriorityTier, type SegmentationOptions, type SegmentationOptionsInput } from './options';
export { canonicalOrder } from './relabel';
export { Rng, sampleIndices } from './rng';
export { scoreK, scoreKs, type KScore } from './scoring';
export { silhouetteScores } from './silhouette';
export { clusterStructure, selectK, type ClusterStructure, type KScoreLike, type KSelection, type SelectKOptions } from './selectK';
export { permutationImportance, type FeatureImportance, type ImportanceOptions } from './importance';
export { attributeRow, customerReasons, featureGroups, segmentAttribution, topFeatures, type RowAttribution, type SegmentAttribution } from './attribution';
export { segmentRules, type RuleCondition, type SegmentRule } from './rules';
export { segmentDrivers } from './drivers';
export type { ColumnarTable, InputColumn } from './table';

export interface SegmentationResult {
  /** The user id of each row, input order. */
  readonly userIds: string[];
  /** The segment of each row (0 = the largest segment). */
  readonly labels: Int32Array;
  readonly k: number;
  /** One score per k tried (the k search; may be empty when k was given and the table is tiny). */
  readonly scores: KScore[];
  readonly selection: KSelection;
  /** Inertia of the final model on all rows. */
  readonly inertia: number;
  /** Lloyd iterations of the final model's kept restart. */
  readonly iterations: number;
  readonly summary: SegmentationSummary;
  readonly model: SegmentationModel;
  readonly dictionary: DataDictionary;
  readonly engineered: EngineeredFeatures;
}

/**
 * Segments the customers of `table`: engineer features -> score each k of kRange on a seeded
 * sample -> choose k (explicit k, else elbow or silhouette) -> final k-means on all rows (seeded
 * k-means++, nInit restarts) -> number segments by size (largest first, ties by centroid) ->
 * explain -> model artifact. Same table, options and seed give byte-identical results.
 * Throws {@link SegmentationInputError} on bad input.
 */
export function segment(table: ColumnarTable, options: SegmentationOptionsInput, explainOptions: ExplainOptions = {}): SegmentationResult {
  const engineered = engineerFeatures(table, options);
  const opts = engineered.options;
  const m = engineered.matrix;
  const ks = kCandidates(opts, m.rows, table.name);
  const scores = scoreKs(m, ks, { seed: opts.seed, sampleSize: opts.sampleSize, nInit: opts.nInit });
  const selection = selectK(scores, { k: opts.k, selection: opts.selection });
  const k = selection.chosenK;
  const fit = kmeans(m, { k, seed: opts.seed, nInit: opts.nInit, maxIter: opts.maxIter, tol: opts.tol });
  const final = canonicalOrder(m, fit.centroids, fit.labels, k);
  const summary = { ...explainSegments(table, engineered, final.labels, k, explainOptions), ...segmentDrivers(m, final.centroids, k, engineered, opts.seed, table, final.labels) };
  const model = buildModel(
    engineered,
    final.centroids,
    k,
    summary.segments.map((s) => s.label),
  );
  return {
    userIds: engineered.userIds,
    labels: final.labels,
    k,
    scores,
    selection,
    inertia: final.inertia,
    iterations: fit.iterations,
    summary,
    model,
    dictionary: engineered.dictionary,
    engineered,
  };
}
