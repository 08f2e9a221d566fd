import type { Client, WorkflowHandle } from '@temporalio/client';
import { configFingerprint, workflowIdFor, type RunConfig } from '../config/runConfig';
import { freshRunId, memoFingerprint, workflowStartOptions } from '../config/runStart';
import { CliUsageError } from './exitCodes';
import type { RunSummary } from '../activities/types';
import { segmentationWorkflow } from '../workflows';
import type { RunProgress } from '../workflows/progress';
import { decoder, pollRun, readSnapshot } from './followRun';
import { ProgressView, type ProgressOut, type RunSnapshot } from './progressView';
import type { TemporalSession } from './temporalSession';
import { workflowUiLink } from './temporalUi';

/** The lines that tell, as soon as a run is started, how to find it: its ids and its page in the Temporal UI. */
export function startLines(session: Pick<TemporalSession, 'namespace' | 'uiUrl' | 'embedded'>, workflowId: string, runId: string): string[] {
  // `autoseg status` needs a cluster that outlives the command: not the embedded one.
  const status = session.embedded ? '' : `; \`autoseg status ${workflowId}\` shows it from another shell`;
  const lines = [`autoseg: run ${workflowId} started (Temporal run id ${runId})${status}`];
  if (session.uiUrl) lines.push(`autoseg: Temporal UI: ${workflowUiLink(session.uiUrl, session.namespace, workflowId, runId)}`);
  else lines.push('autoseg: no Temporal UI link: set AUTOSEG_TEMPORAL_UI_URL to the Web UI of this cluster to get one');
  return lines;
}

/**
 * Starts (or joins, when the same runKey is already running) a segmentation run and waits for
 * it. Prints its ids and UI link at once, then (unless quiet) its progress on stderr: the
 * progress query and the pending activities' heartbeats, polled every second on a TTY, every
 * 2 s otherwise. With a runKey, a completed run with the same key is not started again.
 */
export async function startAndWait(session: TemporalSession, config: RunConfig, opts: { quiet?: boolean; out?: ProgressOut } = {}): Promise<RunSummary> {
  const { client, taskQueue } = session;
  const out = opts.out ?? process.stderr;
  const workflowId = workflowIdFor(config, freshRunId);
  const handle = await client.workflow.start(segmentationWorkflow, workflowStartOptions(config, workflowId, taskQueue));
  if (config.runKey) {
    // USE_EXISTING joins a running run with the same key: only if it was started with this config.
    const existing = memoFingerprint((await handle.describe()).memo);
    if (existing !== undefined && existing !== configFingerprint(config)) {
      throw new CliUsageError(`runKey ${config.runKey} is already used by run ${workflowId} with a different config: use a new runKey`);
    }
  }
  out.write(`${startLines(session, workflowId, handle.firstExecutionRunId).join('\n')}\n`);
  const view = opts.quiet ? undefined : new ProgressView(out, { hints: { trainingSampleSize: config.trainingSampleSize, maxIter: config.maxIter } });
  let runStartedAt: number | undefined;
  const poller = view
    ? pollRun(
        client,
        handle,
        (s) => {
          runStartedAt = s.runStartedAt;
          view.update(s);
        },
        out.isTTY ? 1_000 : 2_000,
      )
    : undefined;
  try {
    const summary = await handle.result();
    await poller?.stop();
    if (view) view.update(await finalSnapshot(client, handle, summary, runStartedAt));
    return summary;
  } finally {
    await poller?.stop();
    view?.finish();
  }
}

/** The finished run as its progress query shows it (every stage's time), else as its summary does. */
async function finalSnapshot(client: Client, handle: WorkflowHandle, summary: RunSummary, runStartedAt: number | undefined): Promise<RunSnapshot> {
  try {
    return await readSnapshot(handle, decoder(client));
  } catch {
    const progress: RunProgress = {
      stage: 'done',
      completed: summary.timings as RunProgress['completed'],
      kScored: summary.scores.length,
      kTotal: summary.scores.length,
      rows: summary.rows,
      features: summary.features,
      chosenK: summary.k,
      ...(summary.engine ? { engine: summary.engine } : {}),
    };
    return { progress, activities: [], ...(runStartedAt !== undefined ? { runStartedAt } : {}) };
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
  for (const w of summary.warnings ?? []) lines.push(`warning:  ${w}`);
  if (summary.outputs.report) lines.push(`report:   ${summary.outputs.report}`);
  return lines.join('\n');
}
