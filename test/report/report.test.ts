import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import type { SummaryFile } from '../../src/activities/finish';
import { renderReport, writeReportFile } from '../../src/report';
import type { CategoricalProfile, ContinuousProfile } from '../../src/segmentation/explain';
import { distinguishesAnySegment } from '../../src/segmentation/labels';
import { HOSTILE_COLUMN, HOSTILE_VALUE, hostile, loadExample, runSummary, USER_ID } from './fixtures';
import { chartsIn, rounded, type ChartInHtml } from './html';

/**
 * The report of a real engine run on the shipped example: every chart of the issue is there,
 * drawn (an SVG with marks), and its embedded data equals the summary it was built from; nothing
 * refers to the network; user text is escaped everywhere.
 */

let summary: SummaryFile;
let html: string;
let charts: Map<string, ChartInHtml>;
const warnings: string[] = [];

const get = (name: string): ChartInHtml => {
  const c = charts.get(name);
  assert.ok(c, `chart ${name} is missing; present: ${[...charts.keys()].join(', ')}`);
  return c;
};

before(async () => {
  const table = await loadExample();
  summary = runSummary(table, { userId: USER_ID }, { withTransitions: true });
  html = await renderReport(summary, { onWarning: (m) => warnings.push(m) });
  charts = chartsIn(html);
});

describe('report of the shipped example', () => {
  test('every chart of the issue is present and drawn as an SVG with marks', () => {
    // features that set no segment apart get no chart (country and gender: the same mix in every segment)
    const shown = summary.explanation.features.filter(distinguishesAnySegment);
    const categorical = shown.filter((f) => f.kind !== 'continuous').length;
    const continuous = shown.filter((f) => f.kind === 'continuous').length;
    assert.ok(categorical > 0 && continuous > 0);
    const expected = [
      'k-inertia',
      'k-silhouette',
      'segment-sizes',
      'importance',
      ...Array.from({ length: Math.min(8, categorical) }, (_, i) => `categorical-${i}`),
      ...Array.from({ length: Math.min(8, continuous) }, (_, i) => `continuous-${i}`),
      ...Array.from({ length: Math.min(8, continuous) }, (_, i) => `boxplot-${i}`),
      'compactness',
      'transitions',
      ...summary.segments.map((s) => `distance-shares-${s.segment}`),
    ];
    assert.deepEqual([...charts.keys()].sort(), [...expected].sort());
    for (const c of charts.values()) {
      const svg = c.figure.match(/<svg\b[^>]*class="marks"[^>]*>[\s\S]*<\/svg>/);
      assert.ok(svg, `${c.name}: no SVG`);
      assert.match(svg[0], /role-mark/, `${c.name}: SVG without marks`);
      assert.match(svg[0], /<(path|rect|circle|text)\b/, `${c.name}: SVG draws nothing`);
    }
    assert.deepEqual(warnings, [], 'Vega-Lite / Vega warnings');
  });

  test('k charts: scores, elbow, best silhouette and the chosen k equal the summary', () => {
    const byK = [...summary.scores].sort((a, b) => a.k - b.k);
    assert.deepEqual(get('k-inertia').data, { metric: 'inertia', scores: byK.map((s) => ({ k: s.k, inertia: s.inertia })), elbowK: summary.elbowK, chosenK: summary.k });
    assert.deepEqual(get('k-silhouette').data, { metric: 'silhouette', scores: byK.map((s) => ({ k: s.k, silhouette: s.silhouette })), silhouetteK: summary.silhouetteK, chosenK: summary.k });
    assert.equal(summary.k, summary.choice.chosenK);
    assert.ok(summary.elbowK !== null && summary.silhouetteK !== null);
    // the marks are drawn: the elbow's and best silhouette's labels are text in the SVGs
    assert.match(get('k-inertia').figure, new RegExp(`elbow: k = ${summary.elbowK}<`));
    assert.match(get('k-silhouette').figure, new RegExp(`best: k = ${summary.silhouetteK}<`));
    // the sentence says which k was used and why
    assert.ok(html.includes(`This report uses k = ${summary.k} segments because`));
    const reason = summary.choice.reason.charAt(0).toUpperCase() + summary.choice.reason.slice(1);
    assert.ok(html.includes(reason.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')));
  });

  test('segment sizes equal the summary and add up to every customer', () => {
    const data = get('segment-sizes').data as { rows: number; segments: SummaryFile['segments'] };
    assert.deepEqual(data, { rows: summary.rows, segments: summary.segments });
    assert.equal(
      data.segments.reduce((a, s) => a + s.size, 0),
      summary.rows,
    );
    for (const s of summary.segments) assert.ok(get('segment-sizes').figure.includes(`Segment ${s.segment}: ${s.size.toLocaleString('en-US')} (`), `legend of segment ${s.segment}`);
  });

  test('categorical charts: the top distinguishing features by information gain, each value share per segment as in the summary', () => {
    const ranked = summary.explanation.features
      .filter((f): f is CategoricalProfile => f.kind !== 'continuous' && distinguishesAnySegment(f))
      .sort((a, b) => b.informationGain - a.informationGain)
      .slice(0, 8);
    ranked.forEach((p, i) => {
      const data = get(`categorical-${i}`).data as {
        feature: string;
        informationGain: number;
        categories: string[];
        rows: { segment: number | null; category: string; count: number; share: number }[];
      };
      assert.equal(data.feature, p.feature);
      assert.equal(data.informationGain, p.informationGain);
      assert.deepEqual(data.categories, p.categories);
      for (const r of data.rows) {
        const j = p.categories.indexOf(r.category);
        const src = r.segment === null ? p.population : p.segments[r.segment];
        assert.equal(r.share, src.shares[j], `${p.feature} ${r.segment} ${r.category}`);
        assert.equal(r.count, src.counts[j]);
      }
      assert.equal(data.rows.length, (p.segments.length + 1) * p.categories.length);
    });
  });

  test('continuous charts: the top distinguishing features by relative compactness, histograms as in the summary', () => {
    const best = (p: ContinuousProfile) => Math.max(...p.segments.map((s) => s.compactness ?? -Infinity));
    const ranked = summary.explanation.features
      .filter((f): f is ContinuousProfile => f.kind === 'continuous' && distinguishesAnySegment(f))
      .sort((a, b) => best(b) - best(a))
      .slice(0, 8);
    ranked.forEach((p, i) => {
      const c = get(`continuous-${i}`);
      const data = c.data as {
        feature: string;
        binEdges: number[];
        population: { histogram: number[]; median: number };
        segments: { segment: number; histogram: number[]; compactness: number | null }[];
      };
      assert.equal(data.feature, p.feature);
      assert.deepEqual(data.binEdges, p.binEdges);
      assert.deepEqual(data.population.histogram, p.population.histogram);
      assert.equal(data.population.median, p.population.median);
      assert.deepEqual(
        data.segments.map((s) => s.histogram),
        p.segments.map((s) => s.histogram),
      );
      assert.deepEqual(
        data.segments.map((s) => s.compactness),
        p.segments.map((s) => s.compactness),
      );
      // the population is drawn dashed, once per segment panel
      assert.equal((c.figure.match(/stroke-dasharray="4,3"/g) ?? []).length, p.segments.length, `${p.feature}: dashed population lines`);
    });
  });

  test('compactness heat map: one cell per continuous feature and segment, values from the summary', () => {
    const data = get('compactness').data as { features: string[]; cells: { feature: string; segment: number; compactness: number | null }[] };
    const profiles = new Map(summary.explanation.features.map((p) => [p.feature, p]));
    assert.equal(data.cells.length, data.features.length * summary.k);
    for (const cell of data.cells) {
      const p = profiles.get(cell.feature);
      assert.ok(p && p.kind === 'continuous');
      assert.equal(cell.compactness, p.segments[cell.segment].compactness);
    }
  });

  test('transition heat map equals the summary matrix; without a previous run there is no such chart', async () => {
    assert.deepEqual(get('transitions').data, { matrix: summary.transitions });
    const first = await renderReport({ ...summary, transitions: null, movedSincePrevious: null });
    assert.equal(chartsIn(first).has('transitions'), false);
    assert.match(first, /No previous run wrote to this output/);
  });

  test('profile cards: number, label, size, distinguishing features with values, distance shares', () => {
    const cards = [...html.matchAll(/<article class="card" id="segment-(\d+)"[^>]*>([\s\S]*?)<\/article>/g)];
    assert.equal(cards.length, summary.k);
    for (const [i, m] of cards.entries()) {
      const s = summary.explanation.segments[i];
      assert.equal(Number(m[1]), s.segment);
      const card = m[2];
      assert.ok(card.includes(`Segment ${s.segment}</span>`));
      assert.ok(card.includes(`<h3>${s.label.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}</h3>`), s.label);
      assert.ok(card.includes(`<strong>${s.size.toLocaleString('en-US')}</strong> customers`));
      assert.match(card, /<li class="(higher|lower|same)">.*vs .* overall/);
      const shares = chartsIn(card).get(`distance-shares-${s.segment}`);
      assert.ok(shares);
      assert.deepEqual(rounded((shares.data as { distanceShares: unknown }).distanceShares), rounded(s.distanceShares));
    }
  });

  test('data dictionary lists every input column with its treatment; parameters and timings are shown', () => {
    const dict = html.match(/<table class="dictionary">([\s\S]*?)<\/table>/);
    assert.ok(dict);
    const rows = [...dict[1].matchAll(/<tr><td><code>([^<]*)<\/code><\/td>/g)].map((m) => m[1]);
    assert.deepEqual(
      rows,
      summary.dataDictionary.columns.map((c) => c.column),
    );
    assert.match(dict[1], /fax_number[\s\S]*?dropped[\s\S]*?Too many missing values/);
    const params = html.match(/<table class="params">([\s\S]*?)<\/table>/);
    assert.ok(params);
    for (const text of ['2 to 10', '10,000', summary.runId, 'examples/customers.csv', 'none (every feature weighs the same)']) assert.ok(params[1].includes(text), text);
    const timings = html.match(/<table class="timings">([\s\S]*?)<\/table>/);
    assert.ok(timings);
    for (const t of summary.timings) assert.ok(timings[1].includes(`<td>${t.stage}</td>`), t.stage);
  });

  test('self-contained: no URL, no external reference, no executable script, same text on every render', async () => {
    assert.doesNotMatch(html, /https?:\/\//);
    assert.doesNotMatch(html, /\b(src|href)="(?!#)/, 'only in-page links');
    assert.doesNotMatch(html, /@import|url\((?!#)/);
    const scripts = [...html.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]);
    assert.ok(scripts.length > 0 && scripts.every((a) => / type="application\/json" data-chart-data="[a-z0-9-]+"$/.test(a)), 'only JSON data scripts');
    assert.equal(await renderReport(summary), html);
  });
});

describe('user text in the report', () => {
  test('a category value `<script>` and a column name with markup are escaped everywhere and read back intact', async () => {
    const s = runSummary(hostile(await loadExample()), { userId: USER_ID, kRange: { min: 2, max: 5 } });
    assert.ok(s.dataDictionary.columns.some((c) => c.column === HOSTILE_COLUMN));
    const out = await renderReport(s);
    assert.ok(!out.includes('<script>alert'), 'raw <script> value');
    assert.ok(!out.includes('<img'), 'raw column name markup');
    // every tag is a name and attributes with double-quoted values, none of them an event handler
    for (const [tag] of out.matchAll(/<[^<>]*>/g)) {
      if (tag.startsWith('<!DOCTYPE')) continue;
      const bare = tag.replace(/="[^"]*"/g, '');
      assert.match(bare, /^<\/?[a-zA-Z][\w:-]*(\s+[\w:-]+)*\s*\/?>$/, `malformed tag ${tag.slice(0, 200)}`);
      assert.doesNotMatch(bare, /\son\w+/i, `event handler in ${tag.slice(0, 200)}`);
    }
    assert.ok(out.includes('&lt;script&gt;alert(&quot;value&quot;)&lt;/script&gt;'), 'escaped value in text');
    assert.ok(out.includes('channel &lt;img src=x onerror=alert(1)&gt; &amp; &quot;co&quot;'), 'escaped column name in text');
    // the only <script> elements are the JSON data, and their JSON gives the text back exactly
    assert.equal((out.match(/<script\b/g) ?? []).length, (out.match(/data-chart-data=/g) ?? []).length);
    const data = JSON.stringify([...chartsIn(out).values()].map((c) => c.data));
    assert.ok(data.includes(JSON.stringify(HOSTILE_VALUE)), 'value in chart data');
    assert.ok(data.includes(JSON.stringify(HOSTILE_COLUMN)), 'column name in chart data');
  });
});

describe('writeReportFile', () => {
  test('writes the rendered report atomically and leaves no temporary file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'autoseg-report-'));
    try {
      const path = join(dir, 'nested', 'report.html');
      const r = await writeReportFile(summary, path);
      assert.equal(r.path, path);
      const text = await readFile(path, 'utf8');
      assert.equal(text, html);
      assert.equal(r.bytes, Buffer.byteLength(html));
      assert.deepEqual(await readdir(join(dir, 'nested')), ['report.html']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
