import type { Command } from 'commander';
import { runWorker } from '../../worker';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Serve autoseg workflows and activities on the Temporal cluster at TEMPORAL_ADDRESS until stopped.')
    .action(async () => {
      await runWorker();
    });
}
