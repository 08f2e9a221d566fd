import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SummaryFile } from '../../src/activities/finish';
import { runCli } from '../helpers/cli';
import { chartsIn } from '../report/html';
import { openReport } from '../helpers/chromium';

test('`autoseg demo` runs the whole workflow on the embedded default; the report shows the run summary.json', async () => {
  const out = mkdtempSync(join(tmpdir(), 'autoseg-demo-'));
  // No TEMPORAL_ADDRESS: the command starts its own dev server and worker, as `npm run demo` does.
  const r = await runCli(['demo', '--out', out], { TEMPORAL_ADDRESS: '' });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /5000 customers in \d+ segments/);
  assert.match(r.stdout, new RegExp(`report: +${join(out, 'report.html').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));

  const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryFile;
  assert.equal(summary.rows, 5000);
  assert.equal(
    summary.segments.reduce((a, s) => a + s.size, 0),
    5000,
  );
  const csv = readFileSync(join(out, 'segments.csv'), 'utf8').trim().split('\n');
  assert.equal(csv[0], 'td_canonical_id,segment,segment_label');
  assert.equal(csv.length, 5001);
  const sizes = new Map<number, number>();
  for (const line of csv.slice(1)) {
    const seg = Number(line.split(',')[1]);
    sizes.set(seg, (sizes.get(seg) ?? 0) + 1);
  }
  assert.deepEqual(
    summary.segments.map((s) => sizes.get(s.segment)),
    summary.segments.map((s) => s.size),
  );

  const charts = chartsIn(readFileSync(join(out, 'report.html'), 'utf8'));
  const sizesChart = charts.get('segment-sizes')?.data as { rows: number; segments: { segment: number; size: number }[] };
  assert.deepEqual(
    sizesChart.segments.map((s) => [s.segment, s.size]),
    summary.segments.map((s) => [s.segment, s.size]),
  );
  const inertia = charts.get('k-inertia')?.data as { scores: { k: number; inertia: number }[]; elbowK: number | null; chosenK: number };
  assert.deepEqual(
    inertia.scores.map((s) => s.k),
    summary.scores.map((s) => s.k),
  );
  inertia.scores.forEach((s, i) => assert.ok(Math.abs(s.inertia - summary.scores[i].inertia) <= 1e-9 * summary.scores[i].inertia));
  assert.equal(inertia.elbowK, summary.elbowK);
  assert.equal(inertia.chosenK, summary.k);
  const silhouette = charts.get('k-silhouette')?.data as { scores: { k: number; silhouette: number }[]; silhouetteK: number | null };
  assert.equal(silhouette.silhouetteK, summary.silhouetteK);
  silhouette.scores.forEach((s, i) => assert.ok(Math.abs(s.silhouette - summary.scores[i].silhouette) <= 1e-12));
  for (const name of ['compactness']) assert.ok(charts.has(name), `${name} chart present`);
  assert.ok([...charts.keys()].some((n) => n.startsWith('categorical-')) && [...charts.keys()].some((n) => n.startsWith('continuous-')));

  // Run again into the same directory: segment numbers are matched to the previous run, nobody moves.
  const again = await runCli(['demo', '--out', out], { TEMPORAL_ADDRESS: '' });
  assert.equal(again.code, 0, again.stderr);
  const second = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as SummaryFile;
  assert.equal(second.movedSincePrevious, 0);
  assert.ok(chartsIn(readFileSync(join(out, 'report.html'), 'utf8')).has('transitions'), 'the rerun report shows the transition matrix');

  // The pipeline's report, as a person opens it: offline, every chart drawn, nothing fetched.
  const testOut = process.env.AUTOSEG_TEST_OUTPUT ?? 'test-output';
  const opened = await openReport(join(out, 'report.html'), join(testOut, 'demo-report.png'));
  console.log(`demo report: ${(opened.bytes / 1024).toFixed(0)} KiB, load ${opened.navigation.load.toFixed(0)} ms`);
  assert.deepEqual(opened.errors, []);
  assert.deepEqual(opened.requests, [opened.url]);
  for (const c of opened.charts) assert.ok(c.marks > 0 && c.width > 50, `${c.name} drawn`);
  const drawnSizes = opened.chartData['segment-sizes'] as { segments: { segment: number; size: number }[] };
  assert.deepEqual(
    drawnSizes.segments.map((s) => s.size),
    second.segments.map((s) => s.size),
  );

  // `autoseg report DIR` rebuilds the report from summary.json: the same charts on the same data
  // (summary.json also holds the report stage's own timing, which the run's report could not).
  const chartData = (file: string) => [...chartsIn(readFileSync(file, 'utf8')).values()].map((c) => [c.name, c.data]);
  const rebuilt = await runCli(['report', out, '--out', join(out, 'rebuilt.html')]);
  assert.equal(rebuilt.code, 0, rebuilt.stderr);
  assert.deepEqual(chartData(join(out, 'rebuilt.html')), chartData(join(out, 'report.html')));

  // `autoseg assign` gives the training customers the segments they were given.
  const assigned = await runCli(['assign', '--model', join(out, 'model.json'), '--input', 'examples/customers.csv', '--out', join(out, 'assigned.csv')]);
  assert.equal(assigned.code, 0, assigned.stderr);
  const bySegment = (text: string) =>
    new Map(
      text
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => [l.split(',')[0], l.split(',')[1]]),
    );
  const given = bySegment(readFileSync(join(out, 'segments.csv'), 'utf8'));
  const again2 = bySegment(readFileSync(join(out, 'assigned.csv'), 'utf8'));
  assert.equal(again2.size, 5000);
  for (const [id, seg] of given) assert.equal(again2.get(id), seg, `customer ${id}`);
});
