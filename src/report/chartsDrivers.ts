import type { ContinuousProfile, SegmentationSummary } from '../segmentation/explain';
import type { ChartDef } from './chart';
import { axisFormat, GROUP_AXIS, uniqueNames } from './chartsFeatures';
import { num, pct } from './format';
import { asIs, type Namer } from './names';
import { ALL_CUSTOMERS, segmentColor, segmentName } from './palette';
import type { VlSpec } from './vega';

/**
 * Which features drive the segmentation (permutation importance as horizontal bars) and where
 * each segment's customers lie on a continuous feature (box plots). Box plots are drawn from the
 * quantiles the summary holds (no customer-level data is in the report): the box spans the 25th
 * to 75th percentile, the line inside it is the median, the whiskers reach the lowest and highest
 * quantile levels the summary has (10th and 90th by default).
 */

/** Most bars in the importance chart (the table under it lists every feature). */
export const MAX_IMPORTANCE_BARS = 24;

const ACCENT = '#4e79a7';

/** Permutation importance as bars, most important first; null when the summary has none. */
export function importanceChart(summary: SegmentationSummary, name: Namer = asIs): ChartDef | null {
  const rows = summary.importance;
  if (!rows || rows.length === 0) return null;
  const top = [...rows]
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.importance - a.r.importance || a.i - b.i)
    .slice(0, MAX_IMPORTANCE_BARS)
    .map((x) => x.r);
  const shown = uniqueNames(
    top.map((r) => r.feature),
    name,
  );
  const bars = top.map((r, i) => ({ feature: r.feature, name: shown[i], importance: r.importance, text: pct(r.importance) }));
  const max = Math.max(...bars.map((b) => b.importance), 0.01);
  const spec: VlSpec = {
    width: 460,
    height: { step: 22 },
    data: { values: bars },
    encoding: {
      y: { field: 'name', type: 'nominal', sort: shown, axis: { title: 'Feature', labelLimit: 260, labelFontSize: 12 } },
      x: {
        field: 'importance',
        type: 'quantitative',
        // room on the right for the bar's label
        scale: { domain: [0, Math.min(1, max * 1.18)], nice: false },
        axis: { title: 'Customers who change segment when the feature is shuffled', format: '.0%', tickCount: 5 },
      },
    },
    layer: [
      {
        mark: { type: 'bar', color: ACCENT, cornerRadiusEnd: 2 },
        encoding: {
          tooltip: [
            { field: 'name', title: 'feature' },
            { field: 'importance', format: '.1%' },
          ],
        },
      },
      { mark: { type: 'text', align: 'left', dx: 4, fontSize: 11, color: '#374151' }, encoding: { text: { field: 'text' } } },
    ],
  };
  const most = bars[0];
  const none = bars.filter((b) => b.importance === 0).length;
  return {
    name: 'importance',
    title: 'Which features drive the segmentation',
    caption: `Shuffle one feature's values among customers and assign everyone again: the bar is the share of customers who then change segment, i.e. how much the segmentation rests on that feature (0% = not at all). ${most.importance > 0 ? `${most.name} matters most: shuffling it moves ${pct(most.importance)} of customers.` : ''}${none > 0 ? ` ${none} feature${none > 1 ? 's' : ''} move${none > 1 ? '' : 's'} no one.` : ''}`,
    data: { importance: bars.map((b) => ({ feature: b.feature, name: b.name, importance: b.importance })) },
    spec,
  };
}

/** One box of a box plot: a group's quantiles of a feature. */
export interface BoxRow {
  readonly group: string;
  /** null for all customers. */
  readonly segment: number | null;
  readonly low: number;
  readonly q1: number;
  readonly median: number;
  readonly q3: number;
  readonly high: number;
  readonly size: number;
}

const at = (levels: readonly number[], values: readonly number[], level: number): number | null => {
  const i = levels.findIndex((l) => Math.abs(l - level) < 1e-9);
  return i >= 0 && i < values.length ? values[i] : null;
};

/** Ordinal of a percentile: 10 -> `10th`. */
const nth = (p: number): string => `${p}${p % 10 === 1 && p !== 11 ? 'st' : p % 10 === 2 && p !== 12 ? 'nd' : p % 10 === 3 && p !== 13 ? 'rd' : 'th'}`;

/**
 * A continuous feature's box per group (all customers, then each non-empty segment), from the
 * summary's quantiles; null when its levels lack the quartiles.
 */
export function boxPlotChart(p: ContinuousProfile, index: number, name: Namer = asIs): ChartDef | null {
  const levels = p.quantileLevels;
  const lowLevel = Math.min(...levels);
  const highLevel = Math.max(...levels);
  if (at(levels, levels, 0.25) === null || at(levels, levels, 0.75) === null || !(lowLevel < 0.25) || !(highLevel > 0.75)) return null;
  const shown = name(p.feature);
  const box = (group: string, segment: number | null, st: ContinuousProfile['population']): BoxRow | null => {
    const q1 = at(levels, st.quantiles, 0.25);
    const q3 = at(levels, st.quantiles, 0.75);
    const low = at(levels, st.quantiles, lowLevel);
    const high = at(levels, st.quantiles, highLevel);
    if (st.size === 0 || st.median === null || q1 === null || q3 === null || low === null || high === null) return null;
    return { group, segment, low, q1, median: st.median, q3, high, size: st.size };
  };
  const rows = [box(ALL_CUSTOMERS, null, p.population), ...p.segments.map((s) => box(segmentName(s.segment), s.segment, s))].filter((r): r is BoxRow => r !== null);
  const groups = rows.map((r) => r.group);
  const lo = Math.min(...rows.map((r) => r.low));
  const hi = Math.max(...rows.map((r) => r.high));
  const x = { type: 'quantitative', scale: { zero: false, nice: true }, axis: { title: shown, titleLimit: 400, format: axisFormat(lo, hi), tickCount: 5 } };
  const color = {
    field: 'group',
    type: 'nominal',
    scale: { domain: groups, range: rows.map((r) => (r.segment === null ? '#9aa3af' : segmentColor(r.segment))) },
    legend: null,
  };
  const spec: VlSpec = {
    width: 420,
    height: { step: 24 },
    data: { values: rows },
    encoding: {
      y: {
        field: 'group',
        type: 'nominal',
        sort: groups,
        axis: { title: GROUP_AXIS, labelFontSize: 12, labelFontWeight: { condition: { test: `datum.value === '${ALL_CUSTOMERS}'`, value: 'bold' }, value: 'normal' } },
      },
    },
    layer: [
      { mark: { type: 'rule', color: '#6b7280', strokeWidth: 1.5 }, encoding: { x: { ...x, field: 'low' }, x2: { field: 'high' } } },
      {
        mark: { type: 'bar', size: 14, stroke: '#374151', strokeWidth: 0.8, cornerRadius: 2 },
        encoding: {
          x: { ...x, field: 'q1' },
          x2: { field: 'q3' },
          color,
          tooltip: [
            { field: 'group' },
            { field: 'low', title: `${nth(Math.round(lowLevel * 100))} percentile`, format: ',.4~g' },
            { field: 'q1', title: '25th percentile', format: ',.4~g' },
            { field: 'median', format: ',.4~g' },
            { field: 'q3', title: '75th percentile', format: ',.4~g' },
            { field: 'high', title: `${nth(Math.round(highLevel * 100))} percentile`, format: ',.4~g' },
          ],
        },
      },
      { mark: { type: 'tick', color: '#111827', thickness: 2.5, size: 14 }, encoding: { x: { ...x, field: 'median' } } },
    ],
  };
  const pop = rows.find((r) => r.segment === null);
  const segs = rows.filter((r) => r.segment !== null);
  const top = segs.reduce<BoxRow | undefined>((a, r) => (a === undefined || r.median > a.median ? r : a), undefined);
  const bottom = segs.reduce<BoxRow | undefined>((a, r) => (a === undefined || r.median < a.median ? r : a), undefined);
  const spread =
    top && bottom && top !== bottom ? ` Highest median: ${top.group} (${num(top.median)}); lowest: ${bottom.group} (${num(bottom.median)})${pop ? `; all customers: ${num(pop.median)}` : ''}.` : '';
  return {
    name: `boxplot-${index}`,
    title: `${shown}: typical range per segment`,
    caption: `Box: the middle half of each group's customers (25th to 75th percentile); dark line: the median; whiskers: ${nth(Math.round(lowLevel * 100))} to ${nth(Math.round(highLevel * 100))} percentile.${spread}`,
    data: { feature: p.feature, name: shown, quantileLevels: levels, boxes: rows },
    spec,
    className: 'half',
  };
}
