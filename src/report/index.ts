import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
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

/** Renders the report and writes it to `path` atomically (temporary file, then rename). */
export async function writeReportFile(summary: SummaryFile, path: string, options: RenderOptions = {}): Promise<{ path: string; bytes: number }> {
  const html = await renderReport(summary, options);
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(tmp, html);
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path, bytes: Buffer.byteLength(html) };
}
