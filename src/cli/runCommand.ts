import type { Client } from '@temporalio/client';
import { configFingerprint, workflowIdFor, type RunConfig } from '../config/runConfig';
import { freshRunId, memoFingerprint, workflowStartOptions } from '../config/runStart';
import { CliUsageError } from './exitCodes';
import type { RunSummary } from '../activities/types';
import { segmentationWorkflow } from '../workflows';
import { progressQuery, type RunProgress } from '../workflows/progress';
import { ProgressView } from './progressView';

/**
 * Starts (or joins, when the same runKey is already running) a segmentation run and waits for
 * it, showing progress. With a runKey, a completed run with the same key is not started again.
 */
export async function startAndWait(client: Client, taskQueue: string, config: RunConfig, opts: { quiet?: boolean } = {}): Promise<RunSummary> {
  const workflowId = workflowIdFor(config, freshRunId);
  const handle = await client.workflow.start(segmentationWorkflow, workflowStartOptions(config, workflowId, taskQueue));
  if (config.runKey) {
    // USE_EXISTING joins a running run with the same key: only if it was started with this config.
    const existing = memoFingerprint((await handle.describe()).memo);
    if (existing !== undefined && existing !== configFingerprint(config)) {
      throw new CliUsageError(`runKey ${config.runKey} is already used by run ${workflowId} with a different config: use a new runKey`);
    }
  }
  const view = opts.quiet ? undefined : new ProgressView();
  let polling = true;
  const poll = (async () => {
    while (polling) {
      try {
        view?.update(await handle.query(progressQuery));
      } catch {
        /* not started yet, or finished between two polls */
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();
  try {
    const summary = await handle.result();
    polling = false;
    await poll;
    view?.update({
      stage: 'done',
      completed: summary.timings as RunProgress['completed'],
      kScored: summary.scores.length,
      kTotal: summary.scores.length,
      rows: summary.rows,
      features: summary.features,
      chosenK: summary.k,
    });
    return summary;
  } finally {
    polling = false;
    await poll;
    view?.finish();
  }
}

/** What the CLI prints after a successful run: where everything went. */
export function describeOutputs(summary: RunSummary): string {
  const lines = [
    `run ${summary.runId}: ${summary.rows} customers in ${summary.k} segments (k chosen by ${summary.choice.reason})`,
    ...(summary.engine ? [`engine:   ${summary.engine.mode} (${summary.engine.reason}; ${summary.engine.trainingRows} rows read into the worker)`] : []),
    ...summary.segments.map((s) => `  segment ${s.segment}: ${s.size} customers (${(s.share * 100).toFixed(1)}%)  ${s.label}`),
    `segments: ${summary.outputs.segments}`,
    `model:    ${summary.outputs.model}`,
  ];
  lines.push(`summary:  ${summary.outputs.summary}`);
  if (summary.choice.structure?.weak) lines.push(`warning:  ${summary.choice.structure.note}`);
  if (summary.outputs.report) lines.push(`report:   ${summary.outputs.report}`);
  return lines.join('\n');
}
