import type { CategoricalProfile, ContinuousProfile, SegmentationSummary, SegmentSummary } from '../segmentation/explain';
import type { ChartDef } from './chart';
import { num, pct } from './format';
import { asIs, type Namer } from './names';
import { compactnessReading, informationGainReading } from './readings';
import { ALL_CUSTOMERS, CATEGORY_COLORS, MAX_CATEGORIES, segmentColor, segmentName, segmentScale } from './palette';
import { CARD_SHARE_BARS, maxCompactness, rankContinuous } from './select';
import type { VlSpec } from './vega';

/**
 * The feature-level charts: categorical value shares per segment, continuous distributions per
 * segment against the population, the compactness heat map, and a segment's distance shares.
 * Charts are named by position (`categorical-0`, ...), never by column name (user text).
 * Features are shown by their human names (`name`, the run's `labels`); every drawn axis has a title.
 */

/** The y axis title of charts with one row per group (all customers, then each segment). */
export const GROUP_AXIS = 'Group';

const segmentsOf = (s: SegmentationSummary) => s.segments.map((x) => x.segment);

/** One row per (group, value): the stacked bars of a categorical feature. */
export interface CategoryRow {
  readonly group: string;
  /** null for the population row. */
  readonly segment: number | null;
  readonly category: string;
  readonly order: number;
  readonly count: number;
  readonly share: number;
}

const REST = '(all other values)';

/**
 * Each value's share per segment (and in the population) as 100% stacked bars. A feature with
 * more than {@link MAX_CATEGORIES} values shows the most frequent ones and sums the rest.
 */
export function categoricalChart(p: CategoricalProfile, index: number, name: Namer = asIs): ChartDef {
  const shown = name(p.feature);
  const byFreq = p.categories.map((c, j) => ({ c, j })).sort((a, b) => p.population.counts[b.j] - p.population.counts[a.j] || a.j - b.j);
  const columns =
    p.categories.length <= MAX_CATEGORIES
      ? p.categories.map((_, j) => j)
      : byFreq
          .slice(0, MAX_CATEGORIES - 1)
          .map((x) => x.j)
          .sort((a, b) => a - b);
  const names = columns.map((j) => p.categories[j]);
  const merged = columns.length < p.categories.length;
  if (merged) names.push(REST);
  const rows: CategoryRow[] = [];
  const groups = [
    { group: ALL_CUSTOMERS, segment: null as number | null, counts: p.population.counts, shares: p.population.shares },
    ...p.segments.map((s) => ({ group: segmentName(s.segment), segment: s.segment, counts: s.counts, shares: s.shares })),
  ];
  for (const g of groups) {
    columns.forEach((j, o) => rows.push({ group: g.group, segment: g.segment, category: p.categories[j], order: o, count: g.counts[j], share: g.shares[j] }));
    if (merged) {
      const rest = (xs: number[]) => xs.reduce((a, v, j) => a + (columns.includes(j) ? 0 : v), 0);
      rows.push({ group: g.group, segment: g.segment, category: REST, order: columns.length, count: rest(g.counts), share: rest(g.shares) });
    }
  }
  const groupNames = groups.map((g) => g.group);
  const spec: VlSpec = {
    width: 400,
    height: { step: 26 },
    data: { values: rows },
    encoding: {
      y: {
        field: 'group',
        type: 'nominal',
        sort: groupNames,
        axis: { title: GROUP_AXIS, labelFontSize: 12, labelFontWeight: { condition: { test: `datum.value === '${ALL_CUSTOMERS}'`, value: 'bold' }, value: 'normal' } },
      },
      x: { field: 'share', type: 'quantitative', stack: 'normalize', axis: { title: "Share of the group's customers", format: '.0%', tickCount: 5 } },
      order: { field: 'order', type: 'quantitative' },
    },
    layer: [
      {
        mark: { type: 'bar', stroke: '#ffffff', strokeWidth: 1 },
        encoding: {
          color: {
            field: 'category',
            type: 'nominal',
            sort: names,
            scale: { domain: names, range: CATEGORY_COLORS.slice(0, names.length) },
            legend: { title: shown, orient: 'top', columns: Math.min(names.length, 4), labelLimit: 150, titleLimit: 500 },
          },
          tooltip: [{ field: 'group' }, { field: 'category' }, { field: 'count', format: ',' }, { field: 'share', format: '.1%' }],
        },
      },
      {
        transform: [{ filter: 'datum.share >= 0.07' }],
        mark: { type: 'text', fontSize: 10, color: '#1f2937' },
        encoding: { x: { field: 'share', type: 'quantitative', stack: 'normalize', bandPosition: 0.5 }, text: { field: 'share', type: 'quantitative', format: '.0%' } },
      },
    ],
  };
  const dominant = p.segments.filter((s) => s.purity >= 0.999 && s.dominant !== null).map((s) => `${segmentName(s.segment)} is entirely ${shown} = ${s.dominant}`);
  return {
    name: `categorical-${index}`,
    title: `${shown}: share of each value per segment`,
    caption: `${informationGainReading(p, shown)}${dominant.length ? ` ${dominant.slice(0, 4).join('; ')}.` : ''}`,
    data: { feature: p.feature, name: shown, kind: p.kind, informationGain: p.informationGain, categories: p.categories, shownCategories: names, rows },
    spec,
    className: 'half',
  };
}

/** One point of a distribution curve: the share of a group's customers in one histogram bin. */
export interface BinRow {
  readonly segment: number;
  readonly panel: string;
  readonly bin: number;
  readonly x0: number;
  readonly x1: number;
  readonly count: number;
  readonly share: number;
}

/** A d3 number format for an axis over [lo, hi]: enough decimals for ~4 ticks, grouped thousands, never exponents. */
export function axisFormat(lo: number, hi: number): string {
  const span = Math.abs(hi - lo);
  const decimals = span > 0 && Number.isFinite(span) ? Math.min(6, Math.max(0, Math.ceil(-Math.log10(span / 4)))) : 0;
  return `,.${decimals + 1}~f`;
}

/**
 * Each segment's distribution of a continuous feature (filled) against the population's
 * (dashed), one small panel per segment, from the explanation's fixed-bin histograms.
 */
export function continuousChart(p: ContinuousProfile, index: number, summary: SegmentationSummary, name: Namer = asIs): ChartDef {
  const shown = name(p.feature);
  const edges = p.binEdges;
  const bins = p.population.histogram.length;
  const panel = (s: number) => {
    const st = p.segments[s];
    return `${segmentName(st.segment)}: median ${num(st.median)}`;
  };
  const segRows: BinRow[] = [];
  const popRows: BinRow[] = [];
  p.segments.forEach((st, s) => {
    for (let b = 0; b < bins; b++) {
      segRows.push({ segment: st.segment, panel: panel(s), bin: b, x0: edges[b], x1: edges[b + 1], count: st.histogram[b], share: st.size > 0 ? st.histogram[b] / st.size : 0 });
      // the population as a step line: each bin's share at both of its edges
      const share = p.population.size > 0 ? p.population.histogram[b] / p.population.size : 0;
      popRows.push({ segment: st.segment, panel: panel(s), bin: b, x0: edges[b], x1: edges[b + 1], count: p.population.histogram[b], share });
    }
  });
  const popLine = popRows.flatMap((r) => [
    { ...r, x: r.x0, e: 0 },
    { ...r, x: r.x1, e: 1 },
  ]);
  const k = p.segments.length;
  const columns = k <= 3 ? k : k <= 6 ? 3 : 4;
  const x = {
    type: 'quantitative',
    scale: { domain: [edges[0], edges[edges.length - 1]], nice: false, zero: false },
    axis: { title: shown, format: axisFormat(edges[0], edges[edges.length - 1]), tickCount: 4, labelOverlap: true, labelFlush: true, titleLimit: 260 },
  };
  const spec: VlSpec = {
    facet: { field: 'panel', type: 'nominal', sort: p.segments.map((_, s) => panel(s)), header: { title: null, labelFontSize: 12, labelAnchor: 'start', labelFontWeight: 'bold' } },
    columns,
    spacing: { column: 18, row: 14 },
    data: { values: [...segRows.map((r) => ({ ...r, group: 'segment' })), ...popLine.map((r) => ({ ...r, group: 'population' }))] },
    spec: {
      width: columns === 4 ? 210 : 280,
      height: 120,
      layer: [
        {
          transform: [{ filter: "datum.group === 'segment'" }],
          mark: { type: 'rect', opacity: 0.8 },
          encoding: {
            x: { ...x, field: 'x0' },
            x2: { field: 'x1' },
            y: { field: 'share', type: 'quantitative', axis: { title: 'Share of customers', format: '.0%', tickCount: 3 } },
            y2: { datum: 0 },
            color: { field: 'segment', type: 'ordinal', scale: { domain: segmentsOf(summary), range: segmentsOf(summary).map(segmentColor) }, legend: null },
          },
        },
        {
          transform: [{ filter: "datum.group === 'population'" }],
          mark: { type: 'line', color: '#111827', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x: { ...x, field: 'x' }, y: { field: 'share', type: 'quantitative' }, order: { field: 'bin' } },
        },
      ],
    },
    // every panel its own x axis: a wrapped facet would otherwise draw one under an empty cell
    resolve: { scale: { x: 'shared', y: 'shared' }, axis: { x: 'independent' } },
  };
  const best = p.segments.reduce((a, s) => ((s.compactness ?? -Infinity) > (a.compactness ?? -Infinity) ? s : a), p.segments[0]);
  return {
    name: `continuous-${index}`,
    title: `${shown}: distribution per segment (dashed: all customers)`,
    caption: `All customers: median ${num(p.population.median)}, mean ${num(p.population.mean)}. Most concentrated: ${segmentName(best.segment)} (relative compactness ${num(best.compactness)}: ${compactnessReading(best.compactness)}).`,
    data: {
      feature: p.feature,
      name: shown,
      binEdges: edges,
      population: { size: p.population.size, median: p.population.median, histogram: p.population.histogram },
      segments: p.segments.map((s) => ({ segment: s.segment, size: s.size, median: s.median, compactness: s.compactness, histogram: s.histogram })),
      maxCompactness: maxCompactness(p),
    },
    spec,
  };
}

/** Relative compactness of the top continuous features in every segment, as a heat map. */
export function compactnessChart(summary: SegmentationSummary, maxFeatures: number, name: Namer = asIs): ChartDef | null {
  const features = rankContinuous(summary).slice(0, maxFeatures);
  if (features.length === 0) return null;
  const segs = segmentsOf(summary);
  // `shown` is unique per feature even when two columns were given the same human name
  const shown = uniqueNames(
    features.map((p) => p.feature),
    name,
  );
  const cells = features.flatMap((p, f) => p.segments.map((s) => ({ feature: p.feature, shown: shown[f], segment: s.segment, name: String(s.segment), compactness: s.compactness })));
  const spec: VlSpec = {
    width: Math.min(820, Math.max(240, 78 * segs.length)),
    height: { step: 28 },
    data: { values: cells },
    encoding: {
      x: {
        field: 'name',
        type: 'ordinal',
        sort: segs.map(String),
        axis: { title: 'Segment', orient: 'top', labelAngle: 0, labelFontSize: 12 },
      },
      y: { field: 'shown', type: 'nominal', sort: shown, axis: { title: 'Feature', labelFontSize: 12, labelLimit: 260 } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1.5 },
        encoding: {
          color: {
            field: 'compactness',
            type: 'quantitative',
            scale: { scheme: 'blueorange', domain: [-1, 1], reverse: true, clamp: true },
            legend: { title: 'Relative compactness', orient: 'bottom', direction: 'horizontal', gradientLength: 240, format: '.1f' },
          },
          tooltip: [
            { field: 'shown', title: 'feature' },
            { field: 'name', title: 'segment' },
            { field: 'compactness', format: '.3f' },
          ],
        },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'compactness', type: 'quantitative', format: '.2f' },
          color: { condition: { test: 'abs(datum.compactness) > 0.55', value: '#ffffff' }, value: '#1f2937' },
        },
      },
    ],
  };
  return {
    name: 'compactness',
    title: 'How concentrated each segment is on each feature',
    caption:
      'Relative compactness = 1 - spread in the segment / spread over all customers. Near 1 (blue): the segment sits on a narrow range of the feature, so the feature describes it well. Near 0: as spread as everyone. Below 0 (orange): more spread than everyone.',
    data: { features: features.map((p) => p.feature), segments: segs, cells },
    spec,
  };
}

/** A segment's centroid distance from the overall mean, split by feature (top bars plus the rest). */
export function distanceSharesChart(seg: SegmentSummary, name: Namer = asIs): ChartDef {
  const top = seg.distanceShares.slice(0, CARD_SHARE_BARS);
  const rest = seg.distanceShares.slice(CARD_SHARE_BARS).reduce((a, f) => a + f.share, 0);
  const shown = uniqueNames(
    top.map((f) => f.feature),
    name,
  );
  const bars = top.map((f, i) => ({ feature: shown[i], share: f.share, order: i }));
  if (seg.distanceShares.length > CARD_SHARE_BARS) bars.push({ feature: `${seg.distanceShares.length - CARD_SHARE_BARS} other features`, share: rest, order: bars.length });
  const scale = segmentScale([seg.segment]);
  const spec: VlSpec = {
    width: 150,
    height: { step: 19 },
    data: { values: bars.map((b) => ({ ...b, text: pct(b.share, 0) })) },
    encoding: {
      y: { field: 'feature', type: 'nominal', sort: bars.map((b) => b.feature), axis: { title: 'Feature', titleFontSize: 11, labelLimit: 140, labelFontSize: 11, ticks: false, domain: false } },
      x: { field: 'share', type: 'quantitative', scale: { domain: [0, 1] }, axis: null },
    },
    layer: [
      { mark: { type: 'bar', color: scale.range[0], cornerRadiusEnd: 2 } },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 10, color: '#374151' }, encoding: { text: { field: 'text' } } },
    ],
  };
  return {
    name: `distance-shares-${seg.segment}`,
    title: 'What makes it differ from the average customer',
    data: { segment: seg.segment, distanceShares: seg.distanceShares, bars },
    spec,
    className: 'mini',
  };
}

/** Display names of `features`, made unique (`name (column)`) where two columns share one. */
export function uniqueNames(features: readonly string[], name: Namer): string[] {
  const shown = features.map(name);
  const count = new Map<string, number>();
  for (const n of shown) count.set(n, (count.get(n) ?? 0) + 1);
  return shown.map((n, i) => ((count.get(n) ?? 0) > 1 && n !== features[i] ? `${n} (${features[i]})` : n));
}
