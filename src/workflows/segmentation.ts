import { proxyActivities, setHandler, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { RunConfig } from '../config/runConfig';
import type { KScore } from '../segmentation/scoring';
import { selectK } from '../segmentation/selectK';
import { progressQuery, type RunProgress, type StageName } from './progress';
import type { RunSummary } from '../activities/types';

/**
 * Activity options per stage: input errors are raised as non-retryable ApplicationFailures by
 * the activities; everything else (a warehouse restart, a killed worker) is retried.
 * Heartbeat timeouts let a killed worker's activity be retried by another worker quickly.
 */
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 10 };
const io: ActivityOptions = { startToCloseTimeout: '30 minutes', heartbeatTimeout: '20 seconds', retry };
// CPU-bound stages block their event loop between heartbeats for a second or two at most
// (scoring works on a sample; the final k-means runs on worker threads).
const compute: ActivityOptions = { startToCloseTimeout: '60 minutes', heartbeatTimeout: '30 seconds', retry };

const { extractSource, writeSegments, writeReport, finishRun } = proxyActivities<typeof activities>(io);
const { engineerFeatures, scoreCandidate, fitSegments, explainSegments } = proxyActivities<typeof activities>(compute);

/**
 * extract -> engineer -> score k (one activity per k, in parallel) -> choose k -> final
 * clustering -> explain -> write back -> report -> finish. Only references and small JSON
 * cross the workflow; the data stays in the stage store, keyed by this workflow's id.
 */
export async function segmentationWorkflow(config: RunConfig): Promise<RunSummary> {
  const runId = workflowInfo().workflowId;
  const progress: RunProgress = { stage: 'extract', completed: [], kScored: 0, kTotal: 0 };
  setHandler(progressQuery, () => progress);

  async function stage<T>(name: StageName, body: () => Promise<T>): Promise<T> {
    progress.stage = name;
    const started = Date.now();
    const result = await body();
    progress.completed.push({ stage: name, ms: Date.now() - started });
    return result;
  }

  const extracted = await stage('extract', () => extractSource({ runId, config }));
  progress.rows = extracted.rows;
  const engineered = await stage('engineer', () => engineerFeatures({ runId, config }));
  progress.features = engineered.features;

  const ks = engineered.ks;
  progress.kTotal = ks.length;
  const scores: KScore[] = await stage('score', () =>
    Promise.all(ks.map(async (k) => {
      const score = await scoreCandidate({ runId, k, config });
      progress.kScored++;
      return score;
    })),
  );

  const choice = await stage('choose', async () => selectK(scores, { k: config.k, selection: config.selection }));
  progress.chosenK = choice.chosenK;
  const fitted = await stage('cluster', () => fitSegments({ runId, k: choice.chosenK, config }));
  const explained = await stage('explain', () => explainSegments({ runId, config }));
  const createdAt = workflowInfo().startTime.toISOString();
  const written = await stage('write', () => writeSegments({ runId, config, createdAt }));
  const parts = { runId, config, createdAt, scores, choice, fitted, explained, written };
  const report = await stage('report', () => writeReport({ ...parts, timings: [...progress.completed] }));
  const summary = await stage('finish', () => finishRun({ ...parts, report, timings: [...progress.completed] }));
  progress.stage = 'done';
  return summary;
}
