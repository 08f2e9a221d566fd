import assert from 'node:assert/strict';
import { before, describe, test } from 'node:test';
import type { SummaryFile } from '../../src/activities/finish';
import { renderReport } from '../../src/report';
import type { ContinuousProfile } from '../../src/segmentation/explain';
import { distinguishesAnySegment, segmentDistinctions, withLabels } from '../../src/segmentation/labels';
import type { ColumnarTable } from '../../src/segmentation/table';
import { ids, num } from '../segmentation/tables';
import { loadExample, runSummary, USER_ID } from './fixtures';
import { chartsIn, type ChartInHtml } from './html';

/**
 * The report as a marketer reads it (issue 12): segment names from what sets each segment apart,
 * human column names from the run's `labels`, only distinguishing features under "what
 * distinguishes", a binary's encoding in its values' natural order, a title on every axis, a
 * plain reading beside each statistic, the importance bars and box plots, the rules of thumb.
 */

const LABELS = {
  total_spend: 'Total spend',
  is_subscribed: 'Subscribed',
  days_since_last_order: 'Days since last order',
  email_open_rate: 'Email open rate',
  rfm_tier: 'RFM tier',
  preferred_channel: 'Preferred channel',
  web_visits_30d: 'Web visits (30 days)',
  order_count: 'Orders',
  avg_order_value: 'Average order value',
  loyalty_tier: 'Loyalty tier',
};

let named: SummaryFile;
let plain: SummaryFile;
let namedHtml: string;
let plainHtml: string;
const warnings: string[] = [];

const escaped = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
const cards = (html: string) => [...html.matchAll(/<article class="card" id="segment-(\d+)"[^>]*>([\s\S]*?)<\/article>/g)].map((m) => ({ segment: Number(m[1]), html: m[2] }));
const chart = (html: string, name: string): ChartInHtml => {
  const c = chartsIn(html).get(name);
  assert.ok(c, `chart ${name} missing`);
  return c;
};

/** The same run without human names: config without `labels`, segments named from the column names. */
function withoutNames(s: SummaryFile): SummaryFile {
  const { labels: _names, ...config } = s.config;
  const explanation = withLabels(s.explanation);
  return { ...s, config: config as SummaryFile['config'], explanation, segments: s.segments.map((x, i) => ({ ...x, label: explanation.segments[i].label })) };
}

before(async () => {
  named = runSummary(await loadExample(), { userId: USER_ID }, { withTransitions: true, labels: LABELS });
  plain = withoutNames(named);
  namedHtml = await renderReport(named, { onWarning: (m) => warnings.push(m) });
  plainHtml = await renderReport(plain, { onWarning: (m) => warnings.push(m) });
});

describe('segment names', () => {
  test('on data where one (prioritised) binary dominates every segment, each segment is named after its own feature', async () => {
    // 4 groups of 50: `member` (x3 priority) splits them in halves; each group is high on its own feature
    const n = 200;
    const group = (i: number) => Math.floor(i / 50);
    const own = ['spend', 'visits', 'tenure', 'returns'];
    const table: ColumnarTable = {
      name: 'constructed.customers',
      rowCount: n,
      columns: [
        ids(n, 'customer_id'),
        num(
          'member',
          Array.from({ length: n }, (_, i) => (group(i) < 2 ? 1 : 0)),
        ),
        ...own.map((f, g) =>
          num(
            f,
            Array.from({ length: n }, (_, i) => (group(i) === g ? 30 : 0) + (i % 3)),
          ),
        ),
      ],
    };
    const s = runSummary(table, { userId: 'customer_id', k: 4, priority: { high: ['member'] } });
    // the binary is every segment's largest share of its distance from the average customer
    for (const seg of s.explanation.segments) assert.equal(seg.distanceShares[0].feature, 'member', seg.label);
    const labels = s.segments.map((x) => x.label);
    assert.equal(new Set(labels).size, 4, labels.join(' | '));
    // each name starts with a different feature: its own, not the shared binary
    assert.deepEqual(labels.map((l) => l.split(', ')[0]).sort(), own.map((f) => `high ${f}`).sort(), labels.join(' | '));
    const html = await renderReport(s);
    for (const l of labels) assert.ok(html.includes(`<h3>${escaped(l)}</h3>`), l);
  });

  test('the example: unique names, no feature in every name, the same names in the cards and the sizes chart', () => {
    const labels = plain.segments.map((s) => s.label);
    assert.equal(new Set(labels).size, labels.length);
    const features = plain.explanation.features.map((f) => f.feature);
    for (const f of features) assert.ok(!labels.every((l) => l.includes(f)), `${f} is in every name: ${labels.join(' | ')}`);
    assert.deepEqual(
      (chart(plainHtml, 'segment-sizes').data as { segments: { label: string }[] }).segments.map((s) => s.label),
      labels,
    );
  });

  test('a labels map puts human names in the segment names, cards, charts and data dictionary', () => {
    const labels = named.segments.map((s) => s.label);
    assert.equal(new Set(labels).size, labels.length);
    // the names use the human names, never a mapped column name
    for (const l of labels) for (const column of Object.keys(LABELS)) assert.ok(!l.includes(column), `${column} in ${l}`);
    assert.ok(
      labels.some((l) => /Subscribed: (yes|no)|RFM tier: |high |low /.test(l)),
      labels.join(' | '),
    );
    assert.ok(labels.some((l) => Object.values(LABELS).some((n) => l.toLowerCase().includes(n.toLowerCase()))));
    for (const c of cards(namedHtml)) {
      const shown = [...c.html.matchAll(/<span class="feature">([^<]*)<\/span>/g)].map((m) => m[1]);
      assert.ok(shown.length > 0);
      for (const f of shown) assert.ok(!(f in LABELS), `card ${c.segment} shows the column ${f}`);
    }
    const cat0 = chart(namedHtml, 'categorical-0');
    const data = cat0.data as { feature: string; name: string };
    assert.equal(data.name, LABELS[data.feature as keyof typeof LABELS]);
    assert.ok(cat0.figure.includes(`<figcaption>${escaped(data.name)}: share of each value per segment</figcaption>`));
    const bars = (chart(namedHtml, 'importance').data as { importance: { feature: string; name: string }[] }).importance;
    for (const b of bars) assert.equal(b.name, LABELS[b.feature as keyof typeof LABELS] ?? b.feature);
    assert.ok(namedHtml.includes('<code>total_spend</code><br><span class="muted">Total spend</span>'));
    assert.ok(!plainHtml.includes('Total spend'));
  });
});

describe('what distinguishes the segments', () => {
  test('only features that set some segment apart: country and gender (the same mix everywhere) get no chart', () => {
    const charted = [...chartsIn(plainHtml).values()].filter((c) => /^(categorical|continuous|boxplot)-/.test(c.name)).map((c) => (c.data as { feature: string }).feature);
    const indistinct = plain.explanation.features.filter((f) => !distinguishesAnySegment(f)).map((f) => f.feature);
    assert.deepEqual(indistinct.sort(), ['country', 'gender']);
    for (const f of indistinct) assert.ok(!charted.includes(f), `${f} is charted`);
    assert.ok(plainHtml.includes('Not shown: country, gender (no segment differs clearly from the average customer on them).'));
    // their information gain is next to nothing
    for (const f of plain.explanation.features) if (indistinct.includes(f.feature) && f.kind !== 'continuous') assert.ok(f.informationGain < 0.01);
  });

  test("each card lists only features on which its segment clearly differs, in its name's order", () => {
    for (const c of cards(plainHtml)) {
      const shown = [...c.html.matchAll(/<span class="feature">([^<]*)<\/span>/g)].map((m) => m[1]);
      const expected = segmentDistinctions(plain.explanation.features, c.segment)
        .filter((d) => d.distinguishes)
        .slice(0, 4)
        .map((d) => d.feature);
      assert.deepEqual(shown, expected);
      assert.ok(!shown.includes('country') && !shown.includes('gender'));
    }
  });
});

describe('readable charts and tables', () => {
  test("data dictionary: a binary's values in natural order, and which one is encoded as 1", () => {
    const e = plain.dataDictionary.columns.find((c) => c.column === 'is_subscribed');
    assert.ok(e && e.treatment === 'binary');
    // the more frequent value (1) is the one encoded as 0
    assert.deepEqual([e.zeroValue, e.oneValue], [1, 0]);
    const row = plainHtml.match(/<tr><td><code>is_subscribed<\/code><\/td>([\s\S]*?)<\/tr>/);
    assert.ok(row);
    const pct = (n: number) => `${((100 * n) / plain.dataDictionary.rowCount).toFixed(1)}%`;
    assert.ok(
      row[1].includes(
        `<code>0</code> on ${e.oneCount.toLocaleString('en-US')} rows (${pct(e.oneCount)}), <code>1</code> on ${e.zeroCount.toLocaleString('en-US')} rows (${pct(e.zeroCount)}). Encoded as 1 where the value is <code>0</code> (the less common value), 0 where it is <code>1</code>.`,
      ),
      row[1],
    );
    assert.doesNotMatch(row[1], /&rarr;/);
  });

  test('every drawn axis of every chart has a title', () => {
    for (const html of [plainHtml, namedHtml]) {
      let seen = 0;
      for (const c of chartsIn(html).values()) {
        const axes = [...c.figure.matchAll(/class="mark-group role-axis"(?! aria-hidden)[^>]*aria-label="([^"]*)"/g)].map((m) => m[1]);
        for (const a of axes) assert.match(a, /^[XY]-axis titled '/, `${c.name}: ${a}`);
        seen += axes.length;
      }
      assert.ok(seen > 40, `${seen} labelled axes`);
    }
    // the histograms' x axes are titled with the feature's name
    const c0 = chart(namedHtml, 'continuous-0');
    assert.ok(c0.figure.includes(`X-axis titled &#39;${escaped((c0.data as { name: string }).name)}&#39;`) || c0.figure.includes(`X-axis titled '${escaped((c0.data as { name: string }).name)}'`));
    assert.deepEqual(warnings, []);
  });

  test('a plain-language reading next to each statistic', () => {
    for (const c of chartsIn(plainHtml).values()) {
      if (c.name.startsWith('categorical-'))
        assert.match(c.figure, /bits: knowing a customer&#39;s segment (tells exactly|settles \d+% of the uncertainty about|tells almost nothing about) what their /);
      if (c.name.startsWith('continuous-')) assert.match(c.figure, /relative compactness [-\d.]+: its customers(&#39;)? (values are \d+% (less|more) spread out|are as spread out)/);
    }
    assert.match(chart(plainHtml, 'k-silhouette').figure, /At the k used \(\d+\): [\d.]+ means (strong|reasonable|weak|little) separation/);
    assert.match(chart(plainHtml, 'importance').figure, /the share of customers who then change segment/);
  });

  test('importance: one bar per feature, most important first, values from the summary', () => {
    const c = chart(plainHtml, 'importance');
    const expected = [...(plain.explanation.importance ?? [])].sort((a, b) => b.importance - a.importance).map((r) => ({ feature: r.feature, name: r.feature, importance: r.importance }));
    assert.ok(expected.length > 0);
    assert.deepEqual((c.data as { importance: unknown }).importance, expected);
    // drawn: one bar and one label per feature
    assert.ok((c.figure.match(/<path\b/g) ?? []).length >= expected.length);
    for (const r of expected) assert.ok(c.figure.includes(`>${(100 * r.importance).toFixed(1)}%<`) || r.importance < 0.0005);
  });

  test('box plots: the summary quantiles of each group, every group drawn', () => {
    const boxes = [...chartsIn(plainHtml).values()].filter((c) => c.name.startsWith('boxplot-'));
    assert.ok(boxes.length > 0);
    for (const c of boxes) {
      const data = c.data as { feature: string; boxes: { segment: number | null; low: number; q1: number; median: number; q3: number; high: number }[] };
      const p = plain.explanation.features.find((f): f is ContinuousProfile => f.feature === data.feature && f.kind === 'continuous');
      assert.ok(p);
      const levels = p.quantileLevels;
      const q = (st: ContinuousProfile['population'], l: number) => st.quantiles[levels.indexOf(l)];
      assert.equal(data.boxes.length, p.segments.length + 1);
      for (const b of data.boxes) {
        const st: ContinuousProfile['population'] = b.segment === null ? p.population : p.segments[b.segment];
        assert.deepEqual([b.low, b.q1, b.median, b.q3, b.high], [q(st, 0.1), q(st, 0.25), st.median, q(st, 0.75), q(st, 0.9)]);
        assert.ok(b.low <= b.q1 && b.q1 <= b.median && b.median <= b.q3 && b.q3 <= b.high);
      }
      assert.match(c.figure, /whiskers: 10th to 90th percentile/);
    }
  });
});

describe('rules of thumb', () => {
  const rules = (s: SummaryFile) =>
    s.segments.map((seg) => ({
      segment: seg.segment,
      text: `total_spend > ${100 * (seg.segment + 1)} and rfm_tier in (loyal, champions)`,
      conditions: [
        { feature: 'total_spend', op: '>', value: 100 * (seg.segment + 1) },
        { feature: 'rfm_tier', op: 'in', value: ['loyal', 'champions'] },
      ],
      precision: 0.9 - seg.segment / 100,
      coverage: 0.75 + seg.segment / 100,
      support: 100,
    }));
  const withRules = (s: SummaryFile, r: unknown[] | undefined): SummaryFile => ({ ...s, explanation: { ...s.explanation, rules: r } as SummaryFile['explanation'] });

  test('each card shows its segment rule with what it catches and how precise it is; none without rules', async () => {
    const html = await renderReport(withRules(plain, rules(plain)));
    for (const c of cards(html)) {
      const cov = Math.round(100 * (0.75 + c.segment / 100));
      const prec = Math.round(100 * (0.9 - c.segment / 100));
      assert.ok(
        c.html.includes(
          `<b>Rule of thumb:</b> <span class="rule-text">total_spend &gt; ${100 * (c.segment + 1)} and rfm_tier in (loyal, champions)</span> &mdash; catches ${cov}% of this segment, ${prec}% of matches are in it.`,
        ),
        c.html,
      );
    }
    const none = await renderReport(withRules(plain, undefined));
    assert.ok(!none.includes('Rule of thumb'));
  });

  test('with a labels map, the rule names the features by their human names', async () => {
    const html = await renderReport(withRules(named, rules(named)));
    const c = cards(html)[0];
    assert.ok(c.html.includes('<span class="rule-text">Total spend &gt; 100 and RFM tier in (loyal, champions)</span>'), c.html);
  });
});
