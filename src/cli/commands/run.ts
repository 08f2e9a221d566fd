import type { Command } from 'commander';
import { addRunOptions, runConfigFromFlags, type RunFlags } from '../runOptions';
import { withTemporal } from '../temporalSession';
import { describeOutputs, startAndWait } from '../runCommand';

export function registerRun(program: Command): void {
  const cmd = program.command('run');
  addRunOptions(cmd.description('Segment a customer table and write the segment table back. Without TEMPORAL_ADDRESS, runs on an embedded Temporal dev server with an in-process worker.'))
    .option('--json', 'print the run summary as JSON on stdout')
    .action(async (flags: RunFlags & { json?: boolean }) => {
      const config = runConfigFromFlags(flags);
      const summary = await withTemporal((session) => startAndWait(session, config, { quiet: flags.json }));
      process.stdout.write(flags.json ? `${JSON.stringify(summary, null, 2)}\n` : `${describeOutputs(summary)}\n`);
    });
}
