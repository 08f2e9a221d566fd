/**
 * The CPU-bound activity bodies that run on pool threads (./threadPool), by name. A thread
 * requires this module and calls `module[name](...args)`.
 */
import { clusterJob, trainJob } from './cluster';
import { engineerJob } from './engineer';
import { explainJob } from './explain';
import { fitCandidateJob, scoreJob, scoreSilhouettesJob } from './score';

export const engineer = engineerJob;
export const score = scoreJob;
export const fitCandidate = fitCandidateJob;
export const silhouettes = scoreSilhouettesJob;
export const cluster = clusterJob;
export const train = trainJob;
export const explain = explainJob;

export interface Jobs {
  engineer: typeof engineerJob;
  score: typeof scoreJob;
  fitCandidate: typeof fitCandidateJob;
  silhouettes: typeof scoreSilhouettesJob;
  cluster: typeof clusterJob;
  train: typeof trainJob;
  explain: typeof explainJob;
}
export type JobName = keyof Jobs;
