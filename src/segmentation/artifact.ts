import type { DataDictionary, FeatureColumn } from './dictionary';
import { nearestCentroids } from './distance';
import { encodeTable, type EncodingPlan, type MinMaxScaler } from './encode';
import type { EngineeredFeatures } from './engineer';
import { SegmentationInputError } from './errors';
import type { Matrix } from './matrix';
import type { SegmentationOptions } from './options';
import type { ColumnarTable } from './table';

/**
 * The fitted model: everything needed to give new customers their segment, as plain JSON
 * (numbers survive a JSON round trip bit for bit, so a stored model assigns exactly like the
 * fitted one). `assign` encodes rows with the same dictionary, scaler and weights as training
 * (see `encode.ts` for unseen values: numeric nulls -> training median, unseen categorical
 * values -> the `other` dummy, or all-zero dummies when the feature has no `other`) and labels
 * each row by its nearest centroid (squared Euclidean, ties to the lower segment).
 */
export const MODEL_FORMAT = 'autoseg.segmentation-model';
export const MODEL_VERSION = 1;

export interface SegmentationModel {
  readonly format: typeof MODEL_FORMAT;
  readonly version: typeof MODEL_VERSION;
  /** The seed every random choice of the run came from. */
  readonly seed: number;
  /** The options of the run, defaults filled. */
  readonly options: SegmentationOptions;
  readonly dictionary: DataDictionary;
  /** One per matrix column. */
  readonly featureColumns: FeatureColumn[];
  readonly scaler: MinMaxScaler;
  /** Per matrix column: priority factor / dummy count. */
  readonly weights: number[];
  readonly k: number;
  /** k rows of featureColumns.length values, in the weighted scaled space; row c is segment c. */
  readonly centroids: number[][];
  /** Segment c's generated label (empty when the model was built without them). */
  readonly segmentLabels: string[];
}

/** Builds the model from the engineering result and the final (canonically ordered) centroids. */
export function buildModel(
  engineered: Pick<EngineeredFeatures, 'options' | 'dictionary' | 'featureColumns' | 'scaler' | 'weights'>,
  centroids: Float64Array,
  k: number,
  segmentLabels: string[] = [],
): SegmentationModel {
  const d = engineered.featureColumns.length;
  if (centroids.length !== k * d) throw new RangeError(`centroids have ${centroids.length} values, expected ${k} x ${d}`);
  const rows: number[][] = [];
  for (let c = 0; c < k; c++) rows.push(Array.from(centroids.subarray(c * d, (c + 1) * d)));
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    seed: engineered.options.seed,
    options: engineered.options,
    dictionary: engineered.dictionary,
    featureColumns: engineered.featureColumns,
    scaler: engineered.scaler,
    weights: engineered.weights,
    k,
    centroids: rows,
    segmentLabels: [...segmentLabels],
  };
}

function bad(message: string): SegmentationInputError {
  return new SegmentationInputError('BAD_ARTIFACT', `${message}; rebuild the model with this version of autoseg.`, {});
}

/** Checks that `value` (e.g. parsed JSON) is a model this version can use; throws BAD_ARTIFACT. */
export function validateModel(value: unknown): SegmentationModel {
  if (value === null || typeof value !== 'object') throw bad('the model artifact is not an object');
  const m = value as Partial<SegmentationModel>;
  if (m.format !== MODEL_FORMAT) throw bad(`the artifact's format is ${JSON.stringify(m.format)}, not ${MODEL_FORMAT}`);
  if (m.version !== MODEL_VERSION) throw bad(`the model has version ${JSON.stringify(m.version)}; this autoseg reads version ${MODEL_VERSION}`);
  const d = m.featureColumns?.length ?? -1;
  if (d < 1 || !m.dictionary || !m.scaler || !Array.isArray(m.weights) || m.weights.length !== d || m.scaler.min?.length !== d || m.scaler.max?.length !== d) {
    throw bad('the model has no feature columns, or its scaler / weights do not match them');
  }
  if (!Array.isArray(m.centroids) || m.centroids.length !== m.k || m.centroids.some((r) => !Array.isArray(r) || r.length !== d || r.some((v) => !Number.isFinite(v)))) {
    throw bad(`the model's centroids are not ${m.k} rows of ${d} finite numbers`);
  }
  return m as SegmentationModel;
}

/** The rows of `table` encoded exactly as the model's training rows were. */
export function encodeWithModel(model: SegmentationModel, table: ColumnarTable): Matrix {
  const plan: EncodingPlan = { dictionary: model.dictionary, featureColumns: model.featureColumns, scaler: model.scaler, weights: model.weights };
  return encodeTable(table, plan);
}

/**
 * The segment of every row of `table` (input order): rows encoded by the model's dictionary,
 * scaler and weights, then the nearest centroid. The table needs every feature column the model
 * uses (others are ignored); on the training table it reproduces the fitted labels exactly.
 */
export function assign(model: SegmentationModel, table: ColumnarTable): Int32Array {
  const m = validateModel(model);
  const x = encodeWithModel(m, table);
  const d = m.featureColumns.length;
  const flat = new Float64Array(m.k * d);
  m.centroids.forEach((row, c) => flat.set(row, c * d));
  return nearestCentroids(x, flat, m.k).labels;
}
