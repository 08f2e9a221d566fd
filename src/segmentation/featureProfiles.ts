import type { BinaryEntry, CategoryValue, ContinuousEntry, DummiesEntry } from './dictionary';
import { binaryBits, dummyCodes, imputedValues } from './encode';
import { quantileSummary } from './stats';
import type { ColumnarTable, InputColumn } from './table';

/**
 * Per-feature profiles of segments against the population, on the original values (continuous:
 * unscaled, nulls imputed with the training median; binary / categorical: the engineered
 * categories, i.e. kept values plus `other`), so the numbers mean something to a marketer.
 */

/** Rows grouped by segment: rows of segment c are order[offsets[c] .. offsets[c + 1]). */
export interface SegmentIndex {
  readonly k: number;
  readonly sizes: Int32Array;
  readonly offsets: Int32Array;
  readonly order: Int32Array;
}

/** Counting sort of the rows by label: O(n), rows stay in input order within a segment. */
export function indexSegments(labels: Int32Array, k: number): SegmentIndex {
  const sizes = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i];
    if (!(c >= 0 && c < k)) throw new RangeError(`label ${c} at row ${i} is outside [0, ${k})`);
    sizes[c]++;
  }
  const offsets = new Int32Array(k + 1);
  for (let c = 0; c < k; c++) offsets[c + 1] = offsets[c] + sizes[c];
  const next = offsets.slice(0, k);
  const order = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) order[next[labels[i]]++] = i;
  return { k, sizes, offsets, order };
}

/** Distribution of a continuous feature in one group (a segment or the population). */
export interface ContinuousStats {
  readonly size: number;
  /** null only for an empty segment, likewise below. */
  readonly mean: number | null;
  /** Population standard deviation (ddof = 0). */
  readonly std: number | null;
  readonly min: number | null;
  readonly max: number | null;
  readonly median: number | null;
  /** At the summary's `quantileLevels` (numpy's linear interpolation); empty for an empty segment. */
  readonly quantiles: number[];
  /** Counts per bin of the summary's `binEdges`. */
  readonly histogram: number[];
}

export interface SegmentContinuousStats extends ContinuousStats {
  readonly segment: number;
  /** Relative feature compactness: 1 - std in segment / std in population (null when empty). */
  readonly compactness: number | null;
}

export interface ContinuousProfile {
  readonly feature: string;
  readonly kind: 'continuous';
  readonly quantileLevels: number[];
  /** bins + 1 equal-width edges over the population's [min, max]; the last bin is closed. */
  readonly binEdges: number[];
  readonly population: ContinuousStats;
  readonly segments: SegmentContinuousStats[];
}

export interface CategoryCounts {
  readonly counts: number[];
  readonly shares: number[];
}

export interface SegmentCategoryStats extends CategoryCounts {
  readonly segment: number;
  /** Share of the segment's most frequent category (the README's cluster purity); 0 when empty. */
  readonly purity: number;
  /** That category's display label. */
  readonly dominant: string | null;
}

export interface CategoricalProfile {
  readonly feature: string;
  readonly kind: 'binary' | 'categorical';
  /** Display labels: the value, `(null)` for the null category, `(other)` for the bucket. */
  readonly categories: string[];
  /** Mutual information between the feature's categories and the segment labels, in bits: H(feature) - sum_c p(c) H(feature | c). */
  readonly informationGain: number;
  readonly population: CategoryCounts;
  readonly segments: SegmentCategoryStats[];
}

export type FeatureProfile = ContinuousProfile | CategoricalProfile;

export interface ProfileOptions {
  readonly bins: number;
  readonly quantileLevels: number[];
}

function stats(
  values: Float64Array,
  lo: number,
  hi: number,
  edges: { min: number; width: number; bins: number },
  levels: number[],
  source: Float64Array | null,
  idx: Int32Array | null,
): ContinuousStats {
  const size = hi - lo;
  const histogram = new Array<number>(edges.bins).fill(0);
  if (size === 0) return { size, mean: null, std: null, min: null, max: null, median: null, quantiles: [], histogram };
  // gather (when an index is given) and first moments
  let sum = 0;
  for (let p = lo; p < hi; p++) {
    const v = source !== null && idx !== null ? source[idx[p]] : values[p];
    values[p] = v;
    sum += v;
  }
  const mean = sum / size;
  let ss = 0;
  let mn = Infinity;
  let mx = -Infinity;
  const last = edges.bins - 1;
  for (let p = lo; p < hi; p++) {
    const v = values[p];
    const t = v - mean;
    ss += t * t;
    if (v < mn) mn = v;
    if (v > mx) mx = v;
    let b = edges.width > 0 ? Math.floor((v - edges.min) / edges.width) : 0;
    if (b > last) b = last;
    if (b < 0) b = 0;
    histogram[b]++;
  }
  const { quantiles, median } = quantileSummary(values, levels, lo, hi);
  return { size, mean, std: Math.sqrt(ss / size), min: mn, max: mx, median, quantiles, histogram };
}

/**
 * The histogram of a continuous feature: `bins` bins of equal width over [min, max] of its
 * values; a value v falls in bin floor((v - min) / width), clamped to [0, bins - 1].
 */
export function histogramBins(e: Pick<ContinuousEntry, 'min' | 'max'>, bins: number): { width: number; binEdges: number[] } {
  const width = (e.max - e.min) / bins;
  return { width, binEdges: Array.from({ length: bins + 1 }, (_, b) => (b === bins ? e.max : e.min + width * b)) };
}

/** Relative compactness of a segment: 1 - std(segment) / std(population). */
export const compactness = (segmentStd: number | null, populationStd: number): number | null => (segmentStd === null ? null : populationStd > 0 ? 1 - segmentStd / populationStd : 0);

/** Profile of a continuous feature: population and per-segment distribution, compactness. */
export function continuousProfile(c: Extract<InputColumn, { kind: 'numeric' }>, e: ContinuousEntry, seg: SegmentIndex, scratch: Float64Array, opts: ProfileOptions): ContinuousProfile {
  const values = imputedValues(c, e.median);
  const n = values.length;
  const { width, binEdges } = histogramBins(e, opts.bins);
  const edgesSpec = { min: e.min, width, bins: opts.bins };
  const segments: SegmentContinuousStats[] = [];
  let popStd = 0;
  // population first (needs its own copy: stats() rearranges)
  scratch.set(values);
  const population = stats(scratch, 0, n, edgesSpec, opts.quantileLevels, null, null);
  popStd = population.std ?? 0;
  for (let s = 0; s < seg.k; s++) {
    const st = stats(scratch, seg.offsets[s], seg.offsets[s + 1], edgesSpec, opts.quantileLevels, values, seg.order);
    segments.push({ segment: s, ...st, compactness: compactness(st.std, popStd) });
  }
  return { feature: e.column, kind: 'continuous', quantileLevels: opts.quantileLevels, binEdges, population, segments };
}

const entropyBits = (counts: ArrayLike<number>, total: number): number => {
  if (total <= 0) return 0;
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i];
    if (c > 0) {
      const p = c / total;
      h -= p * Math.log2(p);
    }
  }
  return h;
};

/** Display label of a category value. */
export function categoryLabel(v: CategoryValue | number): string {
  return v === null ? '(null)' : String(v);
}

function countProfile(feature: string, kind: 'binary' | 'categorical', categories: string[], codes: ArrayLike<number>, seg: SegmentIndex, labels: Int32Array): CategoricalProfile {
  const m = categories.length;
  const counts = Array.from({ length: seg.k }, () => new Array<number>(m).fill(0)); // segment x category
  for (let i = 0; i < labels.length; i++) {
    const code = codes[i];
    if (code >= 0) counts[labels[i]][code]++; // code -1: unseen value without `other`, in no category
  }
  return profileFromCounts(feature, kind, categories, counts);
}

/**
 * The profile of a binary or categorical feature from its counts per segment and category
 * (`counts[s][j]`; rows in no category left out), however they were counted: here from the rows,
 * or by a GROUP BY in the warehouse (src/warehouse/trino-explain.ts).
 */
export function profileFromCounts(feature: string, kind: 'binary' | 'categorical', categories: string[], counts: readonly (readonly number[])[]): CategoricalProfile {
  const m = categories.length;
  const pop = new Array<number>(m).fill(0);
  for (const row of counts) for (let j = 0; j < m; j++) pop[j] += row[j];
  const counted = pop.reduce((a, b) => a + b, 0);
  let conditional = 0;
  const segments: SegmentCategoryStats[] = counts.map((row, s) => {
    let size = 0;
    let best = -1;
    for (let j = 0; j < m; j++) {
      size += row[j];
      if (best < 0 || row[j] > row[best]) best = j;
    }
    conditional += counted > 0 ? (size / counted) * entropyBits(row, size) : 0;
    return {
      segment: s,
      counts: [...row],
      shares: row.map((c) => (size > 0 ? c / size : 0)),
      purity: size > 0 ? row[best] / size : 0,
      dominant: size > 0 ? categories[best] : null,
    };
  });
  const gain = Math.max(0, entropyBits(pop, counted) - conditional);
  return {
    feature,
    kind,
    categories,
    informationGain: gain,
    population: { counts: pop, shares: pop.map((c) => (counted > 0 ? c / counted : 0)) },
    segments,
  };
}

/** Profile of a binary feature: categories [zeroValue, oneValue]. */
export function binaryProfile(table: ColumnarTable, c: InputColumn, e: BinaryEntry, seg: SegmentIndex, labels: Int32Array): CategoricalProfile {
  const bits = binaryBits(table, c, e.oneValue);
  return countProfile(e.column, 'binary', [categoryLabel(e.zeroValue), categoryLabel(e.oneValue)], bits, seg, labels);
}

/** Profile of a categorical feature: categories = kept values, then `(other)` when present. */
export function categoricalProfile(c: Extract<InputColumn, { kind: 'categorical' }>, e: DummiesEntry, seg: SegmentIndex, labels: Int32Array): CategoricalProfile {
  const codes = dummyCodes(c, e.kept, e.other !== null);
  const categories = e.kept.map((k) => categoryLabel(k.value));
  if (e.other !== null) categories.push('(other)');
  return countProfile(e.column, 'categorical', categories, codes, seg, labels);
}
