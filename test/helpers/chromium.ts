import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { browser, fontEnv } from './browser';

/** Chromium (Debian's, else the npm package's: see ./browser.ts), launched without background networking. */
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

export interface DrawnChart {
  name: string;
  marks: number;
  width: number;
  height: number;
  data: boolean;
}

export interface OpenedReport {
  /** Which browser drew it (`debian`, `npm (...)`, or AUTOSEG_CHROMIUM's path) and its version. */
  browser: string;
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
  /**
   * Chart texts drawn past the left or right edge of their SVG (so cut off), as `chart: text +px`.
   * The charts are laid out for Liberation Sans / Arial metrics; in a wider font (DejaVu Sans, what
   * Debian falls back to without fonts-liberation) long labels stick out.
   */
  labelsOutside: string[];
}

/** Opens a report file in headless Chromium with a fresh profile, reads what it drew, and saves a full-page screenshot. */
export async function openReport(path: string, screenshot: string): Promise<OpenedReport> {
  const b = await browser();
  const profile = await mkdtemp(join(tmpdir(), 'autoseg-chromium-'));
  const env = { ...process.env, ...b.env, ...fontEnv(profile) };
  const context = await chromium.launchPersistentContext(profile, { executablePath: b.executablePath, env, headless: true, args: ARGS, viewport: { width: 1280, height: 900 } });
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
    const labelsOutside = (await page.evaluate(`[...document.querySelectorAll('figure[data-chart] svg')].flatMap((svg) => {
      const box = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('text')].filter((t) => t.textContent).flatMap((t) => {
        const r = t.getBoundingClientRect();
        const past = Math.max(box.left - r.left, r.right - box.right);
        return past > 0.5 ? [svg.closest('figure').getAttribute('data-chart') + ': ' + t.textContent + ' +' + past.toFixed(1) + 'px'] : [];
      });
    })`)) as string[];
    await page.screenshot({ path: screenshot, fullPage: true });
    const version = /Chrome\/([\d.]+)/.exec((await page.evaluate('navigator.userAgent')) as string)?.[1] ?? '?';
    return { browser: `${b.source}, Chromium ${version}`, errors, requests, url, charts, chartData, wallMs, navigation, bytes: (await stat(path)).size, overflow, labelsOutside };
  } finally {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  }
}
