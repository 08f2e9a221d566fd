/**
 * Colours and display names shared by every chart, so segment 3 has the same colour and name in
 * the donut, the distributions, the heat maps and its profile card.
 */

/** Tableau 10, then the light half of Tableau 20; repeats after 20 segments. */
const SEGMENT_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
  '#a0cbe8',
  '#ffbe7d',
  '#ff9d9a',
  '#86bcb6',
  '#8cd17d',
  '#f1ce63',
  '#d4a6c8',
  '#fabfd2',
  '#d7b5a6',
  '#79706e',
];

/** Light colours for the values of a categorical feature (black text stays readable on all). */
export const CATEGORY_COLORS = ['#8dd3c7', '#fdb462', '#bebada', '#fb8072', '#80b1d3', '#b3de69', '#fccde5', '#ffffb3', '#bc80bd', '#ccebc5', '#ffed6f', '#d9d9d9'];

/** Most values a categorical chart shows one by one; the rest are drawn together. */
export const MAX_CATEGORIES = CATEGORY_COLORS.length;

export function segmentColor(segment: number): string {
  return SEGMENT_COLORS[segment % SEGMENT_COLORS.length];
}

/** `Segment 3`: the short name used on chart axes and legends. */
export function segmentName(segment: number): string {
  return `Segment ${segment}`;
}

/** Up to this many segments, heat map columns are headed `Segment N`; beyond, just `N` under an axis title. */
export const NAMED_COLUMNS = 10;

/** The heading of segment `segment`'s column in a heat map of `k` segments. */
export function columnName(segment: number, k: number): string {
  return k <= NAMED_COLUMNS ? segmentName(segment) : String(segment);
}

/** A Vega-Lite colour scale mapping segment names to their colours. */
export function segmentScale(segments: readonly number[]): { domain: string[]; range: string[] } {
  return { domain: segments.map(segmentName), range: segments.map(segmentColor) };
}

/** The name used for the whole population in charts. */
export const ALL_CUSTOMERS = 'All customers';
