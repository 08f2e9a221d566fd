import assert from 'node:assert/strict';
import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { writeReportFile } from '../../src/report';
import { openReport } from '../helpers/chromium';
import { loadExample, runSummary, USER_ID } from './fixtures';

/**
 * The report of an engine run on the shipped example (with a previous run, so every chart is
 * there), opened in headless Chromium: no console error and no request beyond the file itself,
 * every chart drawn, and a full-page screenshot left in the test output for a person.
 * test/integration/demo.test.ts does the same for the report the pipeline writes.
 */
const OUT = resolve(process.env.AUTOSEG_TEST_OUTPUT ?? 'test-output');

test('the example report opens offline in Chromium: no error, no request, every chart drawn, screenshot saved', async () => {
  const summary = runSummary(await loadExample(), { userId: USER_ID }, { withTransitions: true });
  await mkdir(OUT, { recursive: true });
  const reportPath = join(OUT, 'report.html');
  await writeReportFile(summary, reportPath);
  const r = await openReport(reportPath, join(OUT, 'report.png'));
  console.log(
    `report load in Chromium (${r.browser}): ${r.wallMs.toFixed(0)} ms wall (goto to load event), navigation timing load ${r.navigation.load.toFixed(0)} ms, DOMContentLoaded ${r.navigation.domContentLoaded.toFixed(0)} ms; ${(r.bytes / 1024).toFixed(0)} KiB`,
  );

  const names = r.charts.map((d) => d.name);
  for (const required of [
    'k-inertia',
    'k-silhouette',
    'segment-sizes',
    'importance',
    'categorical-0',
    'continuous-0',
    'boxplot-0',
    'compactness',
    'transitions',
    ...summary.segments.map((s) => `distance-shares-${s.segment}`),
  ]) {
    assert.ok(names.includes(required), `chart ${required} missing; present: ${names.join(', ')}`);
  }
  for (const d of r.charts) {
    assert.ok(d.marks > 0, `${d.name}: no marks`);
    assert.ok(d.width > 50 && d.height > 50, `${d.name}: drawn at ${d.width}x${d.height}`);
    assert.ok(d.data, `${d.name}: no embedded data`);
  }
  // the importance chart draws a bar and a label per feature; each box plot a whisker, a box and a median per group
  const marks = (name: string) => r.charts.find((d) => d.name === name)?.marks ?? 0;
  const bars = (r.chartData.importance as { importance: unknown[] }).importance.length;
  assert.equal(bars, summary.explanation.importance?.length);
  assert.ok(marks('importance') >= 2 * bars, `importance: ${marks('importance')} marks for ${bars} features`);
  for (const d of r.charts.filter((c) => c.name.startsWith('boxplot-'))) {
    const groups = (r.chartData[d.name] as { boxes: unknown[] }).boxes.length;
    assert.equal(groups, summary.k + 1);
    assert.ok(d.marks >= 3 * groups, `${d.name}: ${d.marks} marks for ${groups} groups`);
  }
  // the embedded data is readable JSON in the browser too, and matches the summary
  assert.deepEqual((r.chartData['segment-sizes'] as { segments: unknown }).segments, summary.segments);
  assert.ok(r.overflow <= 0, `page scrolls sideways by ${r.overflow}px`);
  // The labels fit: the browser draws in a font with the metrics the layout assumed (test/helpers/browser.ts).
  assert.deepEqual(r.labelsOutside, [], `chart labels cut off in ${r.browser}`);
  assert.deepEqual(r.errors, [], 'console errors');
  assert.deepEqual(r.requests, [r.url], 'requests beyond the report file');
});
