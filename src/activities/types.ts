import type { EngineChoice } from '../config/engine';
import type { EngineMode, RunConfig } from '../config/runConfig';
import type { KScore } from '../segmentation/scoring';

/** What every activity of a run gets: the run's id (the stage key) and its config. */
export interface RunRef {
  runId: string;
  config: RunConfig;
}

/** `rows`: the source's rows; in pushdown mode `sampleRows` were read into the worker (the training sample). */
/** A stage that works differently in pushdown mode gets the run's engine (chosen by the check stage). */
export interface EngineRef extends RunRef {
  engine?: EngineMode;
}

export interface Extracted {
  rows: number;
  columns: number;
  source: string;
  sampleRows?: number;
  profileMs?: number;
}
export interface Engineered {
  ks: number[];
  rows: number;
  features: number;
  kept: string[];
  dropped: { column: string; reason: string }[];
}
export type { KSelection as KChoice } from '../segmentation/selectK';
import type { KSelection as KChoice } from '../segmentation/selectK';
export interface Fitted {
  k: number;
  inertia: number;
  iterations: number;
  sizes: number[];
  matchedPrevious: boolean;
}
export interface Explained {
  segments: { segment: number; label: string; size: number; share: number }[];
}
export interface Written {
  target: string;
  model: string;
  rows: number;
  outcome: string;
  movedSincePrevious: number | null;
  previousRows: number | null;
}
export interface Reported {
  report: string | null;
}

/** The engine that ran (see src/config/engine.ts) and the rows the worker trained on. */
export interface EngineUsed extends EngineChoice {
  /** Rows read into the worker for scoring and training: all of them in worker mode, the sample in pushdown mode. */
  trainingRows: number;
}

/** The workflow's result and `summary.json`'s core: small, JSON, no rows. */
export interface RunSummary {
  runId: string;
  /** Absent in summaries written before the engine choice existed (reports rebuilt offline). */
  engine?: EngineUsed;
  rows: number;
  features: number;
  k: number;
  elbowK: number | null;
  silhouetteK: number | null;
  choice: KChoice;
  scores: KScore[];
  segments: Explained['segments'];
  movedSincePrevious: number | null;
  timings: { stage: string; ms: number }[];
  outputs: { segments: string; model: string; summary: string; report?: string };
  /**
   * The data dictionary's warnings: things that did not stop the run (an exclusion or a
   * `categorical` entry that matched nothing, a column that looks like integer codes, ...).
   * Absent in summaries written before it existed.
   */
  warnings?: string[];
}

export type { KScore };
