import { engineerFeatures as engineer } from '../segmentation/engineer';
import type { EngineeredFeatures } from '../segmentation/engineer';
import { isFeatureEntry } from '../segmentation/dictionary';
import { engineOptions } from './engineOptions';
import { kCandidates } from '../segmentation/options';
import type { Engineered, RunRef } from './types';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/** What later stages need from feature engineering, besides the matrix and the user ids. */
export type StagedFeatures = Omit<EngineeredFeatures, 'matrix' | 'userIds'>;

/**
 * Stage 2: the data dictionary and the scaled, weighted matrix (one row per customer, in
 * source order). The matrix and the encoding go to the stage store; the workflow gets counts.
 */
export async function engineerFeatures(input: RunRef): Promise<Engineered> {
  return activity(() => withHeartbeat(inThread('engineer', [input], cancellationSignal()), { stage: 'engineer' }));
}

/** The body of {@link engineerFeatures}, run on a pool thread. */
export async function engineerJob({ runId, config }: RunRef): Promise<Engineered> {
  const store = stageStore();
  const table = await store.getTable(runId, 'extract');
  const result = engineer(table, engineOptions(config));
  const ks = kCandidates(result.options, result.matrix.rows, table.name); // k out of range: fail before anything is written
  const { matrix, userIds, ...rest } = result;
  await store.putMatrix(runId, 'matrix', matrix);
  // The ids apart: only write-back needs them, and at a million customers they dwarf the rest.
  await store.putJson(runId, 'userIds', userIds);
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
