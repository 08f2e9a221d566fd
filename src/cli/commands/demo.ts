import { resolve } from 'node:path';
import type { Command } from 'commander';
import { runConfigFromFlags } from '../runOptions';
import { withTemporal } from '../temporalSession';
import { describeOutputs, startAndWait } from '../runCommand';

const EXAMPLE = resolve(__dirname, '../../../examples/customers.csv');

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('Segment the shipped example customers (examples/customers.csv) on the embedded default.')
    .option('--out <dir>', 'where to write the outputs', 'demo-output')
    .action(async (flags: { out: string }) => {
      const config = runConfigFromFlags({ input: EXAMPLE, userId: 'td_canonical_id', out: flags.out, seed: '0' });
      const summary = await withTemporal((session) => startAndWait(session, config));
      process.stdout.write(`${describeOutputs(summary)}\nOpen ${summary.outputs.report ?? summary.outputs.summary} to see the segments.\n`);
    });
}
