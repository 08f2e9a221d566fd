import { buildModel } from '../segmentation/artifact';
import { explainSegments as explain, type SegmentationSummary } from '../segmentation/explain';
import type { StagedFit } from './cluster';
import type { StagedFeatures } from './engineer';
import type { EngineRef, Explained } from './types';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/**
 * Stage 6: what sets each segment apart (sizes, compactness, information gain, purity,
 * distance shares, distributions, generated labels) and the model artifact that can assign
 * new customers. Both go to the stage store; the workflow gets the segment list.
 * In pushdown mode the distributions are the training sample's; sizes and shares the full table's.
 */
export async function explainSegments(input: EngineRef): Promise<Explained> {
  return activity(() => withHeartbeat(inThread('explain', [input], cancellationSignal()), { stage: 'explain' }));
}

/** The body of {@link explainSegments}, run on a pool thread. */
export async function explainJob({ runId, engine }: EngineRef): Promise<Explained> {
  const store = stageStore();
  const [table, matrix, features, fit, labels] = await Promise.all([
    store.getTable(runId, 'extract'),
    store.getMatrix(runId, 'matrix'),
    store.getJson<StagedFeatures>(runId, 'features'),
    store.getJson<StagedFit>(runId, 'fit'),
    store.getLabels(runId, 'labels'),
  ]);
  let summary: SegmentationSummary = explain(table, { matrix, dictionary: features.dictionary, featureColumns: features.featureColumns }, labels, fit.k);
  if (engine === 'trino' && fit.sizes) {
    // Pushdown: the rows here are the training sample; the sizes are the full table's (from Trino).
    const sizes = fit.sizes;
    const total = sizes.reduce((a, b) => a + b, 0);
    summary = { ...summary, rowCount: total, profiledRows: table.rowCount, segments: summary.segments.map((s) => ({ ...s, size: sizes[s.segment], share: sizes[s.segment] / total })) };
  }
  const model = buildModel(features, Float64Array.from(fit.centroids.flat()), fit.k, summary.segments.map((s) => s.label));
  await store.putJson(runId, 'explain', summary);
  await store.putJson(runId, 'model', model);
  return { segments: summary.segments.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })) };
}
