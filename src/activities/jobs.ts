/**
 * The CPU-bound activity bodies that run on pool threads (./threadPool), by name. A thread
 * requires this module and calls `module[name](...args)`.
 */
import { clusterJob } from './cluster';
import { engineerJob } from './engineer';
import { explainJob } from './explain';
import { scoreJob } from './score';

export const engineer = engineerJob;
export const score = scoreJob;
export const cluster = clusterJob;
export const explain = explainJob;

export interface Jobs {
  engineer: typeof engineerJob;
  score: typeof scoreJob;
  cluster: typeof clusterJob;
  explain: typeof explainJob;
}
export type JobName = keyof Jobs;
