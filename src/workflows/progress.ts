import { defineQuery } from '@temporalio/workflow';
import type { EngineChoice } from '../config/engine';

/** The stages of a segmentation run, in order. */
export const STAGES = ['check', 'extract', 'engineer', 'score', 'choose', 'cluster', 'explain', 'write', 'report', 'finish'] as const;
export type StageName = (typeof STAGES)[number];

export interface RunProgress {
  stage: StageName | 'done' | 'failed' | 'cancelled' | 'cleanup';
  /** When the current stage started (epoch ms, workflow time); absent in runs started before it existed. */
  stageStartedAt?: number;
  /** Stages finished so far, with their wall time in ms. */
  completed: { stage: StageName; ms: number }[];
  /** During `score`: how many k have been scored out of how many. */
  kScored: number;
  kTotal: number;
  rows?: number;
  features?: number;
  chosenK?: number;
  /** Which engine runs the rows (known after `check`). */
  engine?: EngineChoice;
}

/** `autoseg status` and the CLI's progress bar read this. */
export const progressQuery = defineQuery<RunProgress>('progress');
