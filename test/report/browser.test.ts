import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import type { SummaryFile } from '../../src/activities/finish';
import { writeReportFile } from '../../src/report';
import { loadExample, runSummary, USER_ID } from './fixtures';

/**
 * The report of a real run on the shipped example, opened in headless Chromium (Debian's
 * `chromium`): it loads with no console error and no request beyond the file itself, every
 * chart is there and drawn, and a full-page screenshot is left in the test output for a person.
 */

const CHROMIUM = process.env.AUTOSEG_CHROMIUM ?? '/usr/bin/chromium';
const OUT = resolve(process.env.AUTOSEG_TEST_OUTPUT ?? 'test-output');
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

let summary: SummaryFile;
let reportPath: string;
let profileDir: string;
let context: BrowserContext;

before(async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium fonts-liberation) or set AUTOSEG_CHROMIUM`);
  summary = runSummary(await loadExample(), { userId: USER_ID }, { withTransitions: true });
  await mkdir(OUT, { recursive: true });
  reportPath = join(OUT, 'report.html');
  await writeReportFile(summary, reportPath);
  profileDir = await mkdtemp(join(tmpdir(), 'autoseg-chromium-'));
  context = await chromium.launchPersistentContext(profileDir, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
});

after(async () => {
  await context?.close();
  if (profileDir) await rm(profileDir, { recursive: true, force: true });
});

test('the example report opens offline in Chromium: no error, no request, every chart drawn, screenshot saved', async () => {
  const page = await context.newPage();
  const errors: string[] = [];
  const requests: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  context.on('request', (r) => requests.push(r.url()));

  const url = pathToFileURL(reportPath).href;
  const t0 = performance.now();
  await page.goto(url, { waitUntil: 'load' });
  const wallMs = performance.now() - t0;
  // (browser-side code as strings: the project compiles without the DOM library)
  const nav = (await page.evaluate(`(() => {
    const e = performance.getEntriesByType('navigation')[0];
    return { domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd };
  })()`)) as { domContentLoaded: number; load: number };
  const bytes = (await stat(reportPath)).size;
  console.log(`report load in Chromium: ${wallMs.toFixed(0)} ms wall (goto to load event), navigation timing load ${nav.load.toFixed(0)} ms, DOMContentLoaded ${nav.domContentLoaded.toFixed(0)} ms; ${(bytes / 1024).toFixed(0)} KiB`);

  // every chart of the issue, drawn: an SVG with marks and a visible size
  const drawn = (await page.evaluate(`[...document.querySelectorAll('figure[data-chart]')].map((f) => {
    const name = f.getAttribute('data-chart');
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
    const marks = svg ? svg.querySelectorAll('.role-mark path, .role-mark rect, .role-mark text, .role-mark line').length : 0;
    return { name, marks, width: box.width, height: box.height, data: document.querySelector('script[data-chart-data="' + name + '"]') !== null };
  })`)) as { name: string; marks: number; width: number; height: number; data: boolean }[];
  const names = drawn.map((d) => d.name);
  for (const required of ['k-inertia', 'k-silhouette', 'segment-sizes', 'categorical-0', 'continuous-0', 'compactness', 'transitions', ...summary.segments.map((s) => `distance-shares-${s.segment}`)]) {
    assert.ok(names.includes(required), `chart ${required} missing; present: ${names.join(', ')}`);
  }
  for (const d of drawn) {
    assert.ok(d.marks > 0, `${d.name}: no marks`);
    assert.ok(d.width > 50 && d.height > 50, `${d.name}: drawn at ${d.width}x${d.height}`);
    assert.ok(d.data, `${d.name}: no embedded data`);
  }
  // the embedded data is readable JSON in the browser too, and matches the summary
  const sizes = JSON.parse(await page.locator('script[data-chart-data="segment-sizes"]').textContent() ?? 'null') as { segments: unknown };
  assert.deepEqual(sizes.segments, summary.segments);
  // nothing wider than the page
  const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
  assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);

  await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
  assert.deepEqual(errors, [], 'console errors');
  assert.deepEqual(requests, [url], 'requests beyond the report file');
  await page.close();
});
