import { writeFileAtomic } from '../shared/atomicFile';
import type { DataDictionary } from '../segmentation/dictionary';
import type { SegmentationSummary } from '../segmentation/explain';
import type { KScore } from '../segmentation/scoring';
import type { KSelection } from '../segmentation/selectK';
import type { RunConfig } from '../config/runConfig';
import type { StagedFeatures } from './engineer';
import type { Movement } from './writeBack';
import { outputLocations } from './previous';
import type { EngineUsed, Explained, Fitted, Reported, RunRef, RunSummary, Written } from './types';
import { activity, stageStore } from './runtime';

/** `summary.json`: the run summary plus everything a report needs to be rebuilt offline. */
export interface SummaryFile extends RunSummary {
  format: 'autoseg.run-summary';
  createdAt: string;
  config: RunConfig;
  dataDictionary: DataDictionary;
  explanation: SegmentationSummary;
  /** transitions[previous][new] customers, when a previous run wrote the same output. */
  transitions: number[][] | null;
  inertia: number;
}

export interface FinishInput extends RunRef {
  createdAt: string;
  engine: EngineUsed;
  scores: KScore[];
  choice: KSelection;
  fitted: Fitted;
  explained: Explained;
  written: Written;
  report: Reported;
  timings: { stage: string; ms: number }[];
}

/** Builds the full summary from the run's stage (also used by the report stage). */
export async function buildSummaryFile(input: Omit<FinishInput, 'report'> & { report?: Reported }): Promise<SummaryFile> {
  const store = stageStore();
  const [features, explanation, moves] = await Promise.all([
    store.getJson<StagedFeatures>(input.runId, 'features'),
    store.getJson<SegmentationSummary>(input.runId, 'explain'),
    store.getJson<Movement>(input.runId, 'movement'),
  ]);
  const where = outputLocations(input.config.output);
  return {
    format: 'autoseg.run-summary',
    runId: input.runId,
    engine: input.engine,
    createdAt: input.createdAt,
    rows: input.written.rows,
    features: features.featureColumns.length,
    k: input.fitted.k,
    elbowK: input.choice.elbowK,
    silhouetteK: input.choice.silhouetteK,
    choice: input.choice,
    scores: input.scores.map((s) => ({
      k: s.k,
      inertia: s.inertia,
      silhouette: s.silhouette,
      calinskiHarabasz: s.calinskiHarabasz,
      sampleSize: s.sampleSize,
      ...(s.referenceSilhouette === undefined ? {} : { referenceSilhouette: s.referenceSilhouette }),
    })),
    segments: input.explained.segments,
    movedSincePrevious: input.written.movedSincePrevious,
    timings: input.timings,
    outputs: { segments: where.segments, model: where.model, summary: where.summary, ...(input.report?.report ? { report: input.report.report } : {}) },
    warnings: features.dictionary.warnings,
    config: input.config,
    dataDictionary: features.dictionary,
    explanation,
    transitions: moves.transitions,
    inertia: input.fitted.inertia,
  };
}

/**
 * Last stage: writes `summary.json` (next to the report), removes the run's stage unless
 * `keepStage`, and returns the small run summary the workflow ends with.
 */
export async function finishRun(input: FinishInput): Promise<RunSummary> {
  return activity(async () => {
    const file = await buildSummaryFile(input);
    await writeFileAtomic(file.outputs.summary, `${JSON.stringify(file, null, 2)}\n`);
    if (!input.config.keepStage) await stageStore().remove(input.runId);
    const { format: _f, createdAt: _c, config: _cfg, dataDictionary: _d, explanation: _e, transitions: _t, inertia: _i, ...summary } = file;
    return summary;
  });
}
