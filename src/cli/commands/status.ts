import type { Command } from 'commander';
import { progressQuery } from '../../workflows/progress';
import { CliUsageError } from '../exitCodes';
import { temporalFromEnv } from '../../shared/env';
import { withTemporal } from '../temporalSession';

export function registerStatus(program: Command): void {
  program
    .command('status')
    .argument('<runId>', 'the run (workflow) id printed by `autoseg run`')
    .description('Show the state and current stage of a run on the cluster at TEMPORAL_ADDRESS.')
    .action(async (runId: string) => {
      if (!temporalFromEnv().address) throw new CliUsageError('status needs TEMPORAL_ADDRESS: runs of the embedded default end with their command');
      await withTemporal(async ({ client }) => {
        const handle = client.workflow.getHandle(runId);
        const description = await handle.describe();
        const status = description.status.name;
        let progress: unknown = null;
        try {
          progress = await handle.query(progressQuery);
        } catch {
          /* a closed run without a worker cannot answer queries */
        }
        process.stdout.write(`${JSON.stringify({ runId, status, startTime: description.startTime, closeTime: description.closeTime ?? null, progress }, null, 2)}\n`);
      });
    });
}
