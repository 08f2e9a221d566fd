import { writeFileAtomic } from '../shared/atomicFile';
import type { SummaryFile } from '../activities/finish';
import { renderReport, type RenderOptions } from './render';

/**
 * The segment report: one self-contained HTML file built from a run's `summary.json`.
 *
 * Pure: `renderReport` reads nothing but its argument and gives the same text for the same
 * summary. Charts are Vega-Lite specs rendered to inline SVG by Vega in Node (no canvas, no DOM),
 * each chart's data embedded as JSON next to it (`data-chart` / `data-chart-data`).
 */
export { renderReport, type RenderOptions } from './render';
export type { ChartDef } from './chart';

/** Renders the report and writes it to `path` atomically (src/shared/atomicFile.ts: temp file, fsync, rename). */
export async function writeReportFile(summary: SummaryFile, path: string, options: RenderOptions = {}): Promise<{ path: string; bytes: number }> {
  const html = await renderReport(summary, options);
  await writeFileAtomic(path, html);
  return { path, bytes: Buffer.byteLength(html) };
}
