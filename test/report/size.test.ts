import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderReport } from '../../src/report';
import { chartsIn } from './html';
import { loadExample, replicated, runSummary, syntheticSummary, USER_ID } from './fixtures';

/**
 * The report's size is bounded by the number of segments and features shown, not by the number
 * of customers: a real 150,000-customer run, and a synthetic run far wider than the example
 * (20 segments, 100 features of which 40 categorical with 12 values, 200 dropped columns),
 * both stay under 5 MB.
 */

const LIMIT = 5 * 1024 * 1024;
const mb = (n: number) => `${(n / 1024 / 1024).toFixed(2)} MB`;

test('a real 150,000-customer run renders under 5 MB', async () => {
  const table = replicated(await loadExample(), 150_000);
  // sampleSize only shortens the k search; the report's size does not depend on it
  const summary = runSummary(table, { userId: USER_ID, sampleSize: 3000 }, { withTransitions: true });
  assert.equal(summary.rows, 150_000);
  const t0 = performance.now();
  const html = await renderReport(summary);
  const bytes = Buffer.byteLength(html);
  console.log(`150,000-customer run (k = ${summary.k}): report ${mb(bytes)}, rendered in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.ok(bytes < LIMIT, `report is ${mb(bytes)}`);
  assert.equal((chartsIn(html).get('segment-sizes')?.data as { rows: number }).rows, 150_000);
});

test('a very wide 150,000-customer summary (k = 20, 100 features, 300 columns) renders under 5 MB, showing at most 8 features of each kind', async () => {
  const summary = syntheticSummary({ rows: 150_000, k: 20, continuous: 60, categorical: 40, categories: 12, dropped: 200 });
  const t0 = performance.now();
  const html = await renderReport(summary);
  const bytes = Buffer.byteLength(html);
  console.log(`wide synthetic summary (k = 20, 100 features): report ${mb(bytes)}, rendered in ${(performance.now() - t0).toFixed(0)} ms`);
  assert.ok(bytes < LIMIT, `report is ${mb(bytes)}`);
  const names = [...chartsIn(html).keys()];
  assert.equal(names.filter((n) => n.startsWith('categorical-')).length, 8);
  assert.equal(names.filter((n) => n.startsWith('continuous-')).length, 8);
  assert.equal(names.filter((n) => n.startsWith('distance-shares-')).length, 20);
  const heat = chartsIn(html).get('compactness')?.data as { features: string[] };
  assert.equal(heat.features.length, 24);
  // categorical features with 12 values are drawn whole (the chart's limit), the dictionary lists all 301 columns
  assert.equal((html.match(/<tr><td><code>/g) ?? []).length, 301);
});
