import { ActivityCancellationType, ApplicationFailure, CancellationScope, isCancellation, log, patched, proxyActivities, setHandler, workflowInfo, type ActivityOptions } from '@temporalio/workflow';
import type * as activities from '../activities';
import { parseRunConfig, RunConfigError, type RunConfig, type RunConfigInput } from '../config/runConfigSchema';
import type { KFit, KScore } from '../segmentation/scoring';
import { selectK } from '../segmentation/selectK';
import { progressQuery, type RunProgress, type StageName } from './progress';
import type { RunSummary } from '../activities/types';

/**
 * The version of this workflow's code, named in the replay fixtures (test/workflows/histories).
 * Policy for changing the workflow while runs are in flight (they last up to deadlineMinutes):
 * - a change to the commands it issues (an activity added, removed, reordered or made
 *   conditional; a timer; a child) goes behind `patched('<change-id>')`, keeping the old path
 *   for histories without the marker; once no run without the marker can exist,
 *   `deprecatePatch('<change-id>')`, then remove the old path a release later;
 * - a change to what activities read from the stage store bumps STAGE_LAYOUT_VERSION
 *   (src/stage/stage-store.ts): a worker meeting another layout fails the stage clearly;
 * - then bump WORKFLOW_VERSION and save new fixtures (`npm run histories:save`), keeping the old
 *   ones: `npm test` replays them all against the current code (test/unit/replay.test.ts).
 */
export const WORKFLOW_VERSION = 'v2';

/**
 * v2: the score stage fits every k (fitCandidate) and then computes all silhouettes in one
 * activity (scoreSilhouettes) instead of one scoreCandidate per k; v1 histories replay the old path.
 */
const SILHOUETTES_IN_ONE_PASS = 'silhouettes-in-one-pass';

/** A k's score with its silhouette, fields in the order scoreCandidate returns them (the summary's JSON is compared byte for byte). */
function withSilhouette(f: KFit, silhouette: number): KScore {
  const { k, inertia, calinskiHarabasz, sampleSize, referenceSilhouette, stability } = f;
  return { k, inertia, silhouette, calinskiHarabasz, sampleSize, referenceSilhouette, stability };
}

/**
 * How each stage is retried. Input errors are raised as non-retryable failures by the
 * activities and end the run at once; anything else (a warehouse restart or outage, a killed
 * worker) is retried with backoff up to two minutes apart until the run's deadline
 * (`deadlineMinutes` from the start), so a nightly run waits out a ten-minute Trino outage
 * instead of failing. Heartbeat timeouts let another worker take over a killed worker's stage
 * quickly. Cancellation waits for the activity to stop, so the cleanup never races a stage that
 * is still writing.
 */
function stageOptions(kind: 'io' | 'compute', deadlineMs: number): ActivityOptions {
  const remaining = Math.max(60_000, deadlineMs - Date.now());
  return {
    startToCloseTimeout: kind === 'io' ? '30 minutes' : '60 minutes',
    // CPU-bound stages run on worker threads: the activity's own loop stays free to heartbeat.
    heartbeatTimeout: kind === 'io' ? '20 seconds' : '30 seconds',
    scheduleToCloseTimeout: remaining,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '2 minutes' },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  };
}

/**
 * The workflow's input is a boundary: a parent workflow or another client may send a partial
 * config (defaults are filled here) or a wrong one, which fails the run at once, before any
 * activity, as a non-retryable failure naming each bad field.
 */
function parseWorkflowInput(input: unknown): RunConfig {
  try {
    return parseRunConfig(input);
  } catch (err) {
    if (err instanceof RunConfigError) throw ApplicationFailure.nonRetryable(err.message, 'RunConfigError', { issues: err.issues });
    throw err;
  }
}

/** The cleanup after a failure or cancellation: bounded on its own, the run is over already. */
const cleanupOptions: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  scheduleToCloseTimeout: '15 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/**
 * check -> extract -> engineer -> score k (one activity per k, in parallel) -> choose k ->
 * final clustering -> explain -> write back -> report -> finish. Only references and small JSON
 * cross the workflow; the data stays in the stage store, keyed by this workflow's id.
 *
 * The check stage chooses the engine. In pushdown mode (engine trino) the same stages keep the
 * rows in Trino: extract profiles the table in SQL and stages only a seeded training sample,
 * cluster refines the sample's model over the full table in SQL, and write-back runs the model
 * as a CREATE TABLE AS; no customer row but the sample's passes through the worker.
 *
 * On failure or cancellation, a cleanup stage (not cancellable) repairs a half-done write-back,
 * drops the run's staging tables and removes its stage data (unless `keepStage`).
 */
export async function segmentationWorkflow(input: RunConfigInput): Promise<RunSummary> {
  const config = parseWorkflowInput(input);
  const info = workflowInfo();
  const runId = info.workflowId;
  const deadlineMs = info.startTime.getTime() + config.deadlineMinutes * 60_000;
  const progress: RunProgress = { stage: 'check', stageStartedAt: Date.now(), completed: [], kScored: 0, kTotal: 0 };
  setHandler(progressQuery, () => progress);
  // Whether the write-back may have touched the warehouse: only then has cleanup anything to repair there.
  let writeStarted = false;
  const io = () => proxyActivities<typeof activities>(stageOptions('io', deadlineMs));
  const compute = () => proxyActivities<typeof activities>(stageOptions('compute', deadlineMs));

  async function stage<T>(name: StageName, body: () => Promise<T>): Promise<T> {
    const started = Date.now();
    progress.stage = name;
    progress.stageStartedAt = started;
    const result = await body();
    progress.completed.push({ stage: name, ms: Date.now() - started });
    return result;
  }

  try {
    // Pre-flight: the output and the previous run's files are checked before any compute; the engine is chosen.
    const checked = await stage('check', () => io().checkRun({ runId, config }));
    // A run started before the engine choice existed replays its history with no choice: worker mode, as it ran.
    const engine = checked.engine?.mode ?? 'worker';
    progress.engine = checked.engine;
    // Pushdown: profile and a seeded sample from Trino; worker mode: every row into the stage.
    const extracted = await stage('extract', () => (engine === 'trino' ? io().sampleSource({ runId, config, sourceRows: checked.engine?.sourceRows }) : io().extractSource({ runId, config })));
    progress.rows = extracted.rows;
    const engineered = await stage('engineer', () => compute().engineerFeatures({ runId, config, engine }));
    progress.features = engineered.features;

    const ks = engineered.ks;
    progress.kTotal = ks.length;
    const scorer = compute();
    const scores: KScore[] = await stage('score', async () => {
      if (!patched(SILHOUETTES_IN_ONE_PASS)) {
        return Promise.all(
          ks.map(async (k) => {
            const score = await scorer.scoreCandidate({ runId, k, config });
            progress.kScored++;
            return score;
          }),
        );
      }
      // Fit every k in parallel, then all silhouettes from one pass over the sample's pairwise distances.
      const fits = await Promise.all(
        ks.map(async (k) => {
          const fit = await scorer.fitCandidate({ runId, k, config });
          progress.kScored++;
          return fit;
        }),
      );
      const silhouettes = await scorer.scoreSilhouettes({ runId, ks, config });
      return fits.map((f, q) => withSilhouette(f, silhouettes[q]));
    });

    const choice = await stage('choose', async () => selectK(scores, { k: config.k, selection: config.selection }));
    progress.chosenK = choice.chosenK;
    const fitted = await stage('cluster', () => compute().fitSegments({ runId, k: choice.chosenK, config, engine }));
    const explained = await stage('explain', () => compute().explainSegments({ runId, config, engine }));
    const createdAt = info.startTime.toISOString();
    writeStarted = true;
    const written = await stage('write', () => io().writeSegments({ runId, config, createdAt, engine, scores, chosenK: choice.chosenK }));
    const parts = {
      runId,
      config,
      createdAt,
      scores,
      choice,
      fitted,
      explained,
      written,
      engine: { ...(checked.engine ?? { mode: engine, reason: 'started before the engine choice existed', sourceRows: null }), trainingRows: extracted.sampleRows ?? extracted.rows },
    };
    const report = await stage('report', () => io().writeReport({ ...parts, timings: [...progress.completed] }));
    const summary = await stage('finish', () => io().finishRun({ ...parts, report, timings: [...progress.completed] }));
    progress.stage = 'done';
    return summary;
  } catch (err) {
    const cancelled = isCancellation(err);
    progress.stage = 'cleanup';
    // Runs even when the workflow itself was cancelled: the cancel must not leave a half-done swap.
    await CancellationScope.nonCancellable(async () => {
      try {
        await proxyActivities<typeof activities>(cleanupOptions).cleanupRun({ runId, config, reason: cancelled ? 'cancelled' : 'failed', writeStarted });
      } catch (cleanupErr) {
        log.warn('cleanup after the run failed', { error: cleanupErr instanceof Error ? cleanupErr.message : String(cleanupErr) });
      }
    });
    progress.stage = cancelled ? 'cancelled' : 'failed';
    throw err;
  }
}
