import { buildModel } from '../segmentation/artifact';
import { nearestCentroids } from '../segmentation/distance';
import { segmentDrivers } from '../segmentation/drivers';
import { explainSegments as explain, type SegmentationSummary } from '../segmentation/explain';
import { withLabels } from '../segmentation/labels';
import type { StagedFit } from './cluster';
import type { StagedFeatures } from './engineer';
import type { EngineRef, Explained } from './types';
import { explainInTrino } from '../warehouse/trino-explain';
import { modelSource } from '../warehouse/sql-model/modelSelect';
import { TrinoWarehouse } from '../warehouse/trino';
import { activity, cancellationSignal, stageStore, toSource, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/**
 * Stage 6: what sets each segment apart (sizes, compactness, information gain, purity,
 * distance shares, distributions, generated labels) and the model artifact that can assign
 * new customers. Both go to the stage store; the workflow gets the segment list.
 * In pushdown mode all of it describes every customer of the source (two aggregate queries in Trino).
 */
export async function explainSegments(input: EngineRef): Promise<Explained> {
  if (input.engine === 'trino') return activity(() => withHeartbeat(explainInWarehouse(input), { stage: 'explain' }));
  return activity(() => withHeartbeat(inThread('explain', [input], cancellationSignal()), { stage: 'explain' }));
}

/**
 * Pushdown mode: the same summary over every customer of the source, by two aggregate queries in
 * Trino (warehouse/trino-explain.ts); the training sample is not read. Idempotent: a retry runs
 * the queries again and overwrites the staged summary and model.
 */
async function explainInWarehouse({ runId, config }: EngineRef): Promise<Explained> {
  const store = stageStore();
  const [features, fit, sample, sampleTable] = await Promise.all([
    store.getJson<StagedFeatures>(runId, 'features'),
    store.getJson<StagedFit>(runId, 'fit'),
    store.getMatrix(runId, 'matrix'),
    store.getTable(runId, 'extract'),
  ]);
  const centroids = Float64Array.from(fit.centroids.flat());
  const source = toSource(config.source);
  const trino = new TrinoWarehouse();
  try {
    const columnTypes = await trino.columnTypes(source);
    // The labels are made from the summary: the queries need only the centroids.
    const profiled = await explainInTrino(trino, buildModel(features, centroids, fit.k), modelSource(source), { userId: config.userId, columnTypes, signal: cancellationSignal() });
    // Which features drive the assignment: on the training sample (the staged matrix).
    // The training sample's rows (its matrix and source values) and their segments under the final centroids.
    const sampleLabels = nearestCentroids(sample, centroids, fit.k).labels;
    const summary = { ...withLabels(profiled, config.labels), ...segmentDrivers(sample, centroids, fit.k, features, config.seed, sampleTable, sampleLabels) };
    const model = buildModel(
      features,
      centroids,
      fit.k,
      summary.segments.map((s) => s.label),
    );
    await store.putJson(runId, 'explain', summary);
    await store.putJson(runId, 'model', model);
    return { segments: summary.segments.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })) };
  } finally {
    await trino.close();
  }
}

/** The body of {@link explainSegments}, run on a pool thread. */
export async function explainJob({ runId, engine, config }: EngineRef): Promise<Explained> {
  const store = stageStore();
  const [table, matrix, features, fit, labels] = await Promise.all([
    store.getTable(runId, 'extract'),
    store.getMatrix(runId, 'matrix'),
    store.getJson<StagedFeatures>(runId, 'features'),
    store.getJson<StagedFit>(runId, 'fit'),
    store.getLabels(runId, 'labels'),
  ]);
  let summary: SegmentationSummary = explain(table, { matrix, dictionary: features.dictionary, featureColumns: features.featureColumns }, labels, fit.k, { names: config.labels });
  summary = { ...summary, ...segmentDrivers(matrix, Float64Array.from(fit.centroids.flat()), fit.k, features, config.seed, table, labels) };
  if (engine === 'trino' && fit.sizes) {
    // Pushdown: the rows here are the training sample; the sizes are the full table's (from Trino).
    const sizes = fit.sizes;
    const total = sizes.reduce((a, b) => a + b, 0);
    summary = { ...summary, rowCount: total, profiledRows: table.rowCount, segments: summary.segments.map((s) => ({ ...s, size: sizes[s.segment], share: sizes[s.segment] / total })) };
  }
  const model = buildModel(
    features,
    Float64Array.from(fit.centroids.flat()),
    fit.k,
    summary.segments.map((s) => s.label),
  );
  await store.putJson(runId, 'explain', summary);
  await store.putJson(runId, 'model', model);
  return { segments: summary.segments.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })) };
}
