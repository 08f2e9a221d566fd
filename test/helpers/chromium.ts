import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';

/** Debian's Chromium, launched as the workplace requires (no background networking). */
export const CHROMIUM = process.env.AUTOSEG_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface DrawnChart {
  name: string;
  marks: number;
  width: number;
  height: number;
  data: boolean;
}

export interface OpenedReport {
  /** Console errors and warnings, and page errors. */
  errors: string[];
  /** Every URL the page requested (the file itself included). */
  requests: string[];
  url: string;
  charts: DrawnChart[];
  /** Embedded chart data, parsed in the browser. */
  chartData: Record<string, unknown>;
  wallMs: number;
  navigation: { domContentLoaded: number; load: number };
  bytes: number;
  /** Horizontal overflow of the page in px (<= 0: no sideways scroll). */
  overflow: number;
}

/** Opens a report file in headless Chromium with a fresh profile, reads what it drew, and saves a full-page screenshot. */
export async function openReport(path: string, screenshot: string): Promise<OpenedReport> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium fonts-liberation) or set AUTOSEG_CHROMIUM`);
  const profile = await mkdtemp(join(tmpdir(), 'autoseg-chromium-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    const errors: string[] = [];
    const requests: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    context.on('request', (r) => requests.push(r.url()));
    const url = pathToFileURL(path).href;
    const t0 = performance.now();
    await page.goto(url, { waitUntil: 'load' });
    const wallMs = performance.now() - t0;
    // Browser-side code as strings: the project compiles without the DOM library.
    const navigation = (await page.evaluate(
      `(() => { const e = performance.getEntriesByType('navigation')[0]; return { domContentLoaded: e.domContentLoadedEventEnd, load: e.loadEventEnd }; })()`,
    )) as OpenedReport['navigation'];
    const charts = (await page.evaluate(`[...document.querySelectorAll('figure[data-chart]')].map((f) => {
      const name = f.getAttribute('data-chart');
      const svg = f.querySelector('svg');
      const box = svg ? svg.getBoundingClientRect() : { width: 0, height: 0 };
      const marks = svg ? svg.querySelectorAll('.role-mark path, .role-mark rect, .role-mark text, .role-mark line').length : 0;
      return { name, marks, width: box.width, height: box.height, data: document.querySelector('script[data-chart-data="' + name + '"]') !== null };
    })`)) as DrawnChart[];
    const chartData = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('script[data-chart-data]')].map((s) => [s.getAttribute('data-chart-data'), JSON.parse(s.textContent)]))`,
    )) as Record<string, unknown>;
    const overflow = (await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth')) as number;
    await page.screenshot({ path: screenshot, fullPage: true });
    return { errors, requests, url, charts, chartData, wallMs, navigation, bytes: (await stat(path)).size, overflow };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
