import { writeReportFile } from '../report';
import { buildSummaryFile, type FinishInput } from './finish';
import { outputLocations } from './previous';
import type { Reported, RunRef } from './types';
import { activity } from './runtime';

/**
 * What the report stage needs: the run, plus the workflow-held parts of the summary (k scores,
 * choice, timings...). Until the workflow passes them, the stage is given only the run and
 * writes nothing.
 */
export type ReportInput = RunRef & Partial<Omit<FinishInput, 'runId' | 'config' | 'report'>>;

function complete(input: ReportInput): input is Omit<FinishInput, 'report'> {
  return input.createdAt !== undefined && input.scores !== undefined && input.choice !== undefined && input.fitted !== undefined && input.explained !== undefined && input.written !== undefined && input.timings !== undefined;
}

/**
 * Stage 8: the HTML report (issue 5), `report.html` next to `summary.json` for directory
 * outputs. Built from the same summary `finishRun` writes, so `autoseg report` rebuilds the same
 * file from `summary.json`. Idempotent: a retry re-renders and atomically replaces the file.
 * Table outputs get no report file yet (returns null).
 */
export async function writeReport(input: ReportInput): Promise<Reported> {
  return activity(async () => {
    const path = outputLocations(input.config.output).report;
    if (path === undefined || !complete(input)) return { report: null };
    const summary = await buildSummaryFile({ ...input, report: { report: path } });
    await writeReportFile(summary, path);
    return { report: path };
  });
}
