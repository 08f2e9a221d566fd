import { buildModel } from '../segmentation/artifact';
import { explainSegments as explain, type SegmentationSummary } from '../segmentation/explain';
import type { StagedFit } from './cluster';
import type { StagedFeatures } from './engineer';
import type { Explained, RunRef } from './types';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/**
 * Stage 6: what sets each segment apart (sizes, compactness, information gain, purity,
 * distance shares, distributions, generated labels) and the model artifact that can assign
 * new customers. Both go to the stage store; the workflow gets the segment list.
 */
export async function explainSegments(input: RunRef): Promise<Explained> {
  return activity(() => withHeartbeat(inThread('explain', [input], cancellationSignal()), { stage: 'explain' }));
}

/** The body of {@link explainSegments}, run on a pool thread. */
export async function explainJob({ runId }: RunRef): Promise<Explained> {
  const store = stageStore();
  const [table, matrix, features, fit, labels] = await Promise.all([
    store.getTable(runId, 'extract'),
    store.getMatrix(runId, 'matrix'),
    store.getJson<StagedFeatures>(runId, 'features'),
    store.getJson<StagedFit>(runId, 'fit'),
    store.getLabels(runId, 'labels'),
  ]);
  const summary: SegmentationSummary = explain(table, { matrix, dictionary: features.dictionary, featureColumns: features.featureColumns }, labels, fit.k);
  const model = buildModel(features, Float64Array.from(fit.centroids.flat()), fit.k, summary.segments.map((s) => s.label));
  await store.putJson(runId, 'explain', summary);
  await store.putJson(runId, 'model', model);
  return { segments: summary.segments.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })) };
}
