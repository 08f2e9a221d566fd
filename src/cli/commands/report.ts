import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Command } from 'commander';
import type { SummaryFile } from '../../activities/finish';
import type { RunSummary } from '../../activities/types';
import { writeReportFile } from '../../report';
import { temporalFromEnv } from '../../shared/env';
import { CliUsageError } from '../exitCodes';
import { withTemporal } from '../temporalSession';

/** summary.json of a run: given directly, inside an output directory, or found from a run id on the cluster. */
async function locateSummary(target: string): Promise<string> {
  if (existsSync(target)) {
    const path = statSync(target).isDirectory() ? join(target, 'summary.json') : target;
    if (!existsSync(path)) throw new CliUsageError(`no summary.json in ${target}: give a run's output directory or its summary.json`);
    return path;
  }
  if (!temporalFromEnv().address) throw new CliUsageError(`${target} is not a file or directory; to look up a run id set TEMPORAL_ADDRESS`);
  const result = await withTemporal(({ client }) => client.workflow.getHandle(target).result() as Promise<RunSummary>);
  return result.outputs.summary;
}

export function registerReport(program: Command): void {
  program
    .command('report')
    .argument('<runIdOrDir>', "a run's output directory, its summary.json, or its run id (with TEMPORAL_ADDRESS)")
    .option('--out <file>', 'where to write the HTML (default: report.html beside summary.json)')
    .description("Rebuild a run's self-contained HTML report from its summary.json.")
    .action(async (target: string, o: { out?: string }) => {
      const summaryPath = await locateSummary(target);
      let summary: SummaryFile;
      try {
        summary = JSON.parse(readFileSync(summaryPath, 'utf8')) as SummaryFile;
      } catch (e) {
        throw new CliUsageError(`cannot read ${summaryPath}: ${(e as Error).message}`);
      }
      if (summary.format !== 'autoseg.run-summary') throw new CliUsageError(`${summaryPath} is not an autoseg run summary`);
      const { path, bytes } = await writeReportFile(summary, o.out ?? join(dirname(summaryPath), 'report.html'));
      process.stdout.write(`report: ${path} (${(bytes / 1024).toFixed(0)} KB)\n`);
    });
}
