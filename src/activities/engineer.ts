import { engineerFeatures as engineer, engineerWithPlan, type EngineeredFeatures, type FeaturePlan } from '../segmentation/engineer';
import { isFeatureEntry } from '../segmentation/dictionary';
import { engineOptions } from './engineOptions';
import { kCandidates } from '../segmentation/options';
import type { Engineered, EngineRef } from './types';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/** What later stages need from feature engineering, besides the matrix and the user ids. */
export type StagedFeatures = Omit<EngineeredFeatures, 'matrix' | 'userIds'>;

/**
 * Stage 2: the data dictionary and the scaled, weighted matrix (one row per customer, in
 * user-id order). The matrix and the encoding go to the stage store; the workflow gets counts.
 * In pushdown mode the rows are the training sample and the dictionary is the full table's,
 * made from its profile by the extract stage.
 */
export async function engineerFeatures(input: EngineRef): Promise<Engineered> {
  return activity(() => withHeartbeat(inThread('engineer', [input], cancellationSignal()), { stage: 'engineer' }));
}

/** The body of {@link engineerFeatures}, run on a pool thread. */
export async function engineerJob({ runId, config, engine }: EngineRef): Promise<Engineered> {
  const store = stageStore();
  const table = await store.getTable(runId, 'extract');
  const result = engine === 'trino' ? engineerWithPlan(table, await store.getJson<FeaturePlan>(runId, 'plan')) : engineer(table, engineOptions(config));
  const ks = kCandidates(result.options, result.matrix.rows, table.name); // k out of range: fail before anything is written
  const { matrix, userIds, ...rest } = result;
  await store.putMatrix(runId, 'matrix', matrix);
  // The ids apart: only write-back needs them, and at a million customers they dwarf the rest.
  await store.putStrings(runId, 'userIds', userIds);
  await store.putJson(runId, 'features', rest satisfies StagedFeatures);
  const entries = result.dictionary.columns;
  return {
    ks,
    rows: matrix.rows,
    features: matrix.cols,
    kept: entries.filter(isFeatureEntry).map((e) => e.column),
    dropped: entries.flatMap((e) => (e.treatment === 'dropped' ? [{ column: e.column, reason: e.detail }] : [])),
  };
}
