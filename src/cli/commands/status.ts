import type { Command } from 'commander';
import type { WorkflowHandle } from '@temporalio/client';
import { progressQuery, type RunProgress } from '../../workflows/progress';
import { CliUsageError } from '../exitCodes';
import { temporalFromEnv } from '../../shared/env';
import { redact } from '../../shared/redact';
import { withTemporal } from '../temporalSession';

/** The innermost message of a failed run's cause chain (the activity's own error, not "Activity task failed"). */
async function failureCause(handle: WorkflowHandle): Promise<string | null> {
  try {
    await handle.result();
    return null;
  } catch (err) {
    let e: unknown = err;
    while ((e as { cause?: unknown }).cause) e = (e as { cause: unknown }).cause;
    return redact(e instanceof Error ? e.message : String(e));
  }
}

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<runId>', 'the run (workflow) id printed by `autoseg run`')
    .option('--json', 'print the state as JSON (for scripts)')
    .description('Show the state, stage and, for a failed run, the cause of a run on the Temporal cluster.')
    .action(async (runId: string, flags: { json?: boolean }) => {
      if (!temporalFromEnv().address) throw new CliUsageError('status needs TEMPORAL_ADDRESS (or --address, or a temporal.toml profile): runs of the embedded default end with their command');
      await withTemporal(async ({ client }) => {
        const handle = client.workflow.getHandle(runId);
        const description = await handle.describe();
        const status = description.status.name;
        let progress: RunProgress | null = null;
        try {
          progress = await handle.query(progressQuery);
        } catch {
          /* a closed run without a worker cannot answer queries */
        }
        const cause = status === 'FAILED' || status === 'TIMED_OUT' ? await failureCause(handle) : null;
        const state = { runId, status, startTime: description.startTime, closeTime: description.closeTime ?? null, cause, progress };
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(state, null, 2)}\n`);
          return;
        }
        const closed = description.closeTime ? `, closed ${description.closeTime.toISOString()}` : '';
        const lines = [`run ${runId}: ${status} (started ${description.startTime.toISOString()}${closed})`];
        if (progress) {
          const done = progress.completed.map((c) => `${c.stage} ${(c.ms / 1000).toFixed(1)} s`).join(', ');
          lines.push(`stage:  ${progress.stage}${progress.stage === 'score' && progress.kTotal > 0 ? ` (${progress.kScored} of ${progress.kTotal} k scored)` : ''}`);
          if (done) lines.push(`done:   ${done}`);
        }
        if (cause) lines.push(`cause:  ${cause}`);
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
}
