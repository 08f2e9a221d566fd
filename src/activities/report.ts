import { writeReportFile } from '../report';
import { buildSummaryFile, type FinishInput } from './finish';
import { outputLocations } from './previous';
import type { Reported } from './types';
import { activity } from './runtime';

/** What the report stage needs: the run, plus the workflow-held parts of the summary (k scores, choice, timings...). */
export type ReportInput = Omit<FinishInput, 'report'>;

/**
 * Stage 8: the HTML report (issue 5), `report.html` next to `summary.json` for directory
 * outputs. Built from the same summary `finishRun` writes, so `autoseg report` rebuilds the same
 * file from `summary.json`. Idempotent: a retry re-renders and atomically replaces the file.
 * For table outputs the report goes to AUTOSEG_REPORT_DIR/<table>/report.html.
 */
export async function writeReport(input: ReportInput): Promise<Reported> {
  return activity(async () => {
    const path = outputLocations(input.config.output).report;
    const summary = await buildSummaryFile({ ...input, report: { report: path } });
    await writeReportFile(summary, path);
    return { report: path };
  });
}
