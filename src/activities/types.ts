import type { RunConfig } from '../config/runConfig';
import type { KScore } from '../segmentation/scoring';

/** What every activity of a run gets: the run's id (the stage key) and its config. */
export interface RunRef {
  runId: string;
  config: RunConfig;
}

export interface Extracted { rows: number; columns: number; source: string }
export interface Engineered { ks: number[]; rows: number; features: number; kept: string[]; dropped: { column: string; reason: string }[] }
export type { KSelection as KChoice } from '../segmentation/selectK';
import type { KSelection as KChoice } from '../segmentation/selectK';
export interface Fitted { k: number; inertia: number; iterations: number; sizes: number[]; matchedPrevious: boolean }
export interface Explained { segments: { segment: number; label: string; size: number; share: number }[] }
export interface Written { target: string; model: string; rows: number; outcome: string; movedSincePrevious: number | null; previousRows: number | null }
export interface Reported { report: string | null }

/** The workflow's result and `summary.json`'s core: small, JSON, no rows. */
export interface RunSummary {
  runId: string;
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
}

export type { KScore };
