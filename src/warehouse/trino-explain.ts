/**
 * Pushdown explanations: the numbers of the run summary and report computed over every customer
 * of the source table inside Trino, not over the training sample. Every number is exact or an
 * exact sum rounded once, so the same table and model give the same summary on every run
 * (Trino's double sums and approx_percentile depend on how splits are merged). Two queries over
 * the model's assignment SELECT (sql-model/modelSelect.ts, with each row's feature values),
 * each grouped by segment and overall (GROUPING SETS) in one scan:
 * 1. per segment: its size and the sums of its matrix rows (its centroid); per continuous feature (after imputation) min, max, the histogram on
 *    the same bins as in process, and sums of (v - c) and (v - c)^2 as DECIMAL (c the middle of
 *    the feature's range; each value rounded to the sum's scale, which the range and the row
 *    count bound; mean and population std follow); per binary or categorical feature the count
 *    of each of the engine's categories; and the counts on RANK_BINS fine equal-width bins, which
 *    locate each rank numpy's linear quantiles and the median read (stats.ts `quantileRanks`);
 * 2. per continuous feature, only the values in the fine bins that hold those ranks, with their
 *    cumulative counts within the bin: the values at the ranks, so the same quantiles as in
 *    process. The bin of a value is monotone in the value, so the count before a bin is the
 *    count of smaller values; memory and sorting are bounded by those bins' rows, not by the
 *    feature's distinct values (a near-unique double column of 15M rows fits).
 * Distance shares and labels follow from the centroids as in process, information gain and
 * purity from the counts.
 */
import { featureEntries } from '../segmentation/dictionary';
import { summaryFromProfiles, type SegmentationSummary } from '../segmentation/explain';
import { quantileRanks, quantilesAtRanks } from '../segmentation/stats';
import { categoryLabel, compactness, histogramBins, profileFromCounts, type ContinuousStats, type FeatureProfile } from '../segmentation/featureProfiles';
import type { SegmentationModel } from '../segmentation/artifact';
import { doubleLiteral } from './sql-model/literals';
import { featureValueColumn, matrixColumn, modelSelect, SEGMENT_COLUMN, type ModelSelectSource } from './sql-model/modelSelect';
import { quoteIdentifier } from './identifiers';
import type { TrinoWarehouse } from './trino';

export interface TrinoExplainOptions {
  /** The source's column types (name -> Trino type), as modelSelect takes them. */
  readonly columnTypes?: Readonly<Record<string, string>>;
  readonly userId?: string;
  /** Histogram bins per continuous feature. Default 20 (as in process). */
  readonly bins?: number;
  /** Quantile levels. Default [0.1, 0.25, 0.5, 0.75, 0.9] (as in process). */
  readonly quantileLevels?: number[];
  readonly signal?: AbortSignal;
}

const seg = quoteIdentifier(SEGMENT_COLUMN);
/** The segment of a grouped row, -1 for the overall (grouping set ()) one. */
const segmentKey = `IF(grouping(${seg}) = 1, -1, ${seg})`;

/** Fine bins per continuous feature for locating the quantile ranks (query 1 counts them, query 2 reads inside). */
export const RANK_BINS = 4096;

/** The fine bin of `v`, in 0..RANK_BINS-1: monotone in v (floor and clamping of (v - min) / width). */
function rankBin(v: string, e: { min: number; max: number }): string {
  const width = (e.max - e.min) / RANK_BINS;
  return width > 0 ? `least(greatest(CAST(floor((${v} - ${doubleLiteral(e.min)}) / ${doubleLiteral(width)}) AS bigint), 0), ${RANK_BINS - 1})` : '0';
}

/** A value wanted by query 2: continuous feature i (index among the continuous ones), segment s (-1: all), fine bin b, rank r within the bin. */
export interface RankWanted {
  readonly i: number;
  readonly s: number;
  readonly b: number;
  readonly r: number;
}

/** Decimal digits of the integer part of x (>= 1). */
const digits = (x: number): number => (x < 1 ? 1 : Math.floor(Math.log10(x)) + 1);

/**
 * How a continuous feature's exact sums are taken: around c, the middle of its range, each
 * (v - c) and (v - c)^2 rounded to a scale the sum of `rows` of them cannot overflow in
 * DECIMAL(38). Null when the range is too wide for any scale (then double sums: see below).
 */
function sumScales(e: { min: number; max: number }, rows: number): { c: number; s1: number; s2: number } | null {
  const c = (e.min + e.max) / 2;
  const b = Math.max(Math.abs(e.max - c), Math.abs(e.min - c), 1e-300);
  const n = rows * 10; // headroom: a table that grew since it was profiled
  const s1 = Math.min(30, 37 - digits(b * n));
  const s2 = Math.min(30, 37 - digits(b * b * n));
  return s1 < 6 || s2 < 0 ? null : { c, s1, s2 };
}

/** The per-segment aggregates: see the module comment (query 1). */
export function explainSql(model: SegmentationModel, source: ModelSelectSource, options: TrinoExplainOptions = {}): string {
  const bins = options.bins ?? 20;
  const aggregates = ['count(*)'];
  // The centroids: exact sums of the matrix columns (each in [0, weight] on the table the scaler came from).
  model.weights.forEach((w, j) => {
    const scale = Math.min(30, 37 - digits(Math.max(1, Math.abs(w)) * 2 * model.dictionary.rowCount * 10));
    aggregates.push(`CAST(sum(CAST(${matrixColumn(j)} AS DECIMAL(38, ${scale}))) AS varchar)`);
  });
  featureEntries(model.dictionary).forEach((e, f) => {
    const v = featureValueColumn(f);
    if (e.treatment !== 'continuous') {
      aggregates.push(`histogram(${v})`);
      return;
    }
    const { width } = histogramBins(e, bins);
    // featureProfiles.ts's bin of v: floor((v - min) / width) clamped to [0, bins - 1] (0 when width is 0).
    const bin = width > 0 ? `least(greatest(CAST(floor((${v} - ${doubleLiteral(e.min)}) / ${doubleLiteral(width)}) AS bigint), 0), ${bins - 1})` : '0';
    const scales = sumScales(e, model.dictionary.rowCount);
    // A range too wide for DECIMAL sums (|values| around 1e15 and more): double sums, whose last bits may vary between runs.
    const sums =
      scales === null
        ? [`CAST(sum(${v}) AS varchar)`, `CAST(sum(${v} * ${v}) AS varchar)`]
        : [
            `CAST(sum(CAST(${v} - ${doubleLiteral(scales.c)} AS DECIMAL(38, ${scales.s1}))) AS varchar)`,
            `CAST(sum(CAST((${v} - ${doubleLiteral(scales.c)}) * (${v} - ${doubleLiteral(scales.c)}) AS DECIMAL(38, ${scales.s2}))) AS varchar)`,
          ];
    aggregates.push(`min(${v})`, `max(${v})`, `histogram(${bin})`, ...sums, `histogram(${rankBin(v, e)})`);
  });
  return [
    `-- autoseg: the segment profiles over every customer (k = ${model.k}): per segment and for all, sizes and feature distributions.`,
    `SELECT ${segmentKey},`,
    `  ${aggregates.join(',\n  ')}`,
    `FROM (\n${assigned(model, source, options)}\n) AS autoseg_assigned`,
    `GROUP BY GROUPING SETS ((${seg}), ())`,
  ].join('\n');
}

function assigned(model: SegmentationModel, source: ModelSelectSource, options: TrinoExplainOptions): string {
  return modelSelect(model, source, { userId: options.userId, columnTypes: options.columnTypes, labels: false, matrix: true, featureValues: true });
}

/**
 * The values at the wanted ranks (see the module comment, query 2): per wanted (i, s, b, r), the
 * value at rank r among the values of continuous feature `continuous[i]` in segment s (-1: all)
 * that fall in fine bin b.
 */
export function quantileSql(model: SegmentationModel, source: ModelSelectSource, continuous: number[], wanted: readonly RankWanted[], options: TrinoExplainOptions = {}): string {
  const entries = featureEntries(model.dictionary);
  const binsOf = (i: number): string => [...new Set(wanted.filter((w) => w.i === i).map((w) => w.b))].sort((a, b) => a - b).join(', ');
  const inBins = continuous.map((_, i) => (binsOf(i) === '' ? '' : `(t.i = ${i} AND t.b IN (${binsOf(i)}))`)).filter((x) => x !== '');
  return [
    `-- autoseg: the values at the quantile ranks of ${continuous.length} continuous features, per segment and for all: only the values in the fine bins that hold those ranks.`,
    'WITH g AS (',
    `  SELECT t.i, ${segmentKey} AS s, t.b, t.d, count(*) AS cnt`,
    `  FROM (\n${assigned(model, source, options)}\n) AS autoseg_assigned`,
    `  CROSS JOIN UNNEST(ARRAY[${continuous.map((f, i) => `ROW(${i}, ${featureValueColumn(f)}, ${rankBin(featureValueColumn(f), entries[f] as { min: number; max: number })})`).join(', ')}]) AS t(i, d, b)`,
    `  WHERE ${seg} IS NOT NULL AND (${inBins.length > 0 ? inBins.join(' OR ') : 'false'})`,
    `  GROUP BY GROUPING SETS ((t.i, ${seg}, t.b, t.d), (t.i, t.b, t.d))),`,
    'w AS (',
    '  SELECT i, s, b, d, cnt,',
    '    sum(cnt) OVER (PARTITION BY i, s, b ORDER BY d ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum',
    '  FROM g)',
    'SELECT want.i, want.s, want.b, want.r, w.d',
    `FROM w JOIN (VALUES ${wanted.map((x) => `(${x.i}, ${x.s}, ${x.b}, ${x.r})`).join(', ')}) AS want(i, s, b, r)`,
    '  ON w.i = want.i AND w.s = want.s AND w.b = want.b AND w.cum - w.cnt <= want.r AND want.r < w.cum',
  ].join('\n');
}

const num = (v: unknown): number => Number(v);
/** A histogram() result (a JSON object keyed by the value's text) as counts at 0..size-1. */
function countsOf(map: unknown, size: number): number[] {
  const out = new Array<number>(size).fill(0);
  for (const [key, count] of Object.entries((map ?? {}) as Record<string, unknown>)) {
    const i = Number(key);
    if (Number.isInteger(i) && i >= 0 && i < size) out[i] += Number(count);
  }
  return out;
}

/**
 * The run summary over the whole source (see the module comment). `model` is the fitted model
 * (its labels are not used: they are made here); rows whose segment is NULL (none, for the table
 * the model was trained on) are left out.
 */
export async function explainInTrino(trino: TrinoWarehouse, model: SegmentationModel, source: ModelSelectSource, options: TrinoExplainOptions = {}): Promise<SegmentationSummary> {
  const bins = options.bins ?? 20;
  const levels = options.quantileLevels ?? [0.1, 0.25, 0.5, 0.75, 0.9];
  const k = model.k;
  const dim = model.featureColumns.length;
  const entries = featureEntries(model.dictionary);
  const continuous = entries.flatMap((e, f) => (e.treatment === 'continuous' ? [f] : []));
  const { rows } = await trino.connection.execute(explainSql(model, source, options), undefined, options.signal);
  const bySegment = new Map<number, unknown[]>();
  for (const r of rows) if (r[0] !== null) bySegment.set(num(r[0]), r);
  const sizes = Array.from({ length: k }, (_, s) => num(bySegment.get(s)?.[1] ?? 0));
  const n = sizes.reduce((a, b) => a + b, 0);
  // The fine-bin counts of each continuous feature (index i among them) and segment s (-1: all):
  // a rank lies in the first bin whose cumulative count exceeds it.
  const fineColumn = (i: number): number => 2 + dim + entries.slice(0, continuous[i]).reduce((a, e) => a + (e.treatment === 'continuous' ? 6 : 1), 0) + 5;
  const locate = new Map<string, (rank: number) => { b: number; r: number }>();
  const wanted: RankWanted[] = [];
  continuous.forEach((_, i) => {
    for (const [s, r] of bySegment) {
      const size = num(r[1]);
      if (size === 0) continue;
      const before = new Array<number>(RANK_BINS + 1).fill(0);
      countsOf(r[fineColumn(i)], RANK_BINS).forEach((c, b) => (before[b + 1] = before[b] + c));
      const at = (rank: number): { b: number; r: number } => {
        let lo = 0;
        let hi = RANK_BINS - 1; // the first b with before[b + 1] > rank
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (before[mid + 1] > rank) hi = mid;
          else lo = mid + 1;
        }
        return { b: lo, r: rank - before[lo] };
      };
      locate.set(`${i}:${s}`, at);
      for (const rank of quantileRanks(size, levels)) wanted.push({ i, s, ...at(rank) });
    }
  });
  const valueAtWanted = new Map<string, number>();
  if (wanted.length > 0) {
    for (const [i, s, b, r, d] of (await trino.connection.execute(quantileSql(model, source, continuous, wanted, options), undefined, options.signal)).rows) {
      valueAtWanted.set(`${num(i)}:${num(s)}:${num(b)}:${num(r)}`, num(d));
    }
  }
  // Each segment's centroid is the mean of its rows (an empty one's, the overall mean), as in process.
  const all = bySegment.get(-1);
  const mean = Float64Array.from({ length: dim }, (_, j) => (n > 0 ? num(all?.[2 + j]) / n : 0));
  const centroids = new Float64Array(k * dim);
  for (let s = 0; s < k; s++) for (let j = 0; j < dim; j++) centroids[s * dim + j] = sizes[s] > 0 ? num(bySegment.get(s)![2 + j]) / sizes[s] : mean[j];

  let at = 2 + dim;
  const profiles: FeatureProfile[] = entries.map((e, f): FeatureProfile => {
    if (e.treatment === 'continuous') {
      const col = at;
      at += 6;
      const i = continuous.indexOf(f);
      const { binEdges } = histogramBins(e, bins);
      const scales = sumScales(e, model.dictionary.rowCount);
      const statsOf = (r: unknown[] | undefined, s: number): ContinuousStats => {
        const size = r === undefined ? 0 : num(r[1]);
        if (r === undefined || size === 0) return { size: 0, mean: null, std: null, min: null, max: null, median: null, quantiles: [], histogram: new Array<number>(bins).fill(0) };
        const c = scales?.c ?? 0;
        const m1 = num(r[col + 3]) / size;
        const m2 = num(r[col + 4]) / size;
        const valueAt = (rank: number): number => {
          const { b, r: within } = locate.get(`${i}:${s}`)!(rank);
          const d = valueAtWanted.get(`${i}:${s}:${b}:${within}`);
          if (d === undefined) throw new Error(`explain: no value at rank ${rank} of ${e.column} (segment ${s})`);
          return d;
        };
        const q = quantilesAtRanks(size, levels, valueAt);
        return {
          size,
          mean: c + m1,
          std: Math.sqrt(Math.max(0, m2 - m1 * m1)),
          min: num(r[col]),
          max: num(r[col + 1]),
          median: q.median,
          quantiles: q.quantiles,
          histogram: countsOf(r[col + 2], bins),
        };
      };
      const population = statsOf(bySegment.get(-1), -1);
      const popStd = population.std ?? 0;
      const segments = Array.from({ length: k }, (_, s) => {
        const st = statsOf(bySegment.get(s), s);
        return { segment: s, ...st, compactness: compactness(st.std, popStd) };
      });
      return { feature: e.column, kind: 'continuous', quantileLevels: levels, binEdges, population, segments };
    }
    const col = at++;
    if (e.treatment === 'binary') {
      const counts = Array.from({ length: k }, (_, s) => countsOf(bySegment.get(s)?.[col], 2));
      return profileFromCounts(e.column, 'binary', [categoryLabel(e.zeroValue), categoryLabel(e.oneValue)], counts);
    }
    const categories = e.kept.map((v) => categoryLabel(v.value));
    if (e.other !== null) categories.push('(other)');
    const counts = Array.from({ length: k }, (_, s) => countsOf(bySegment.get(s)?.[col], categories.length));
    return profileFromCounts(e.column, 'categorical', categories, counts);
  });
  return summaryFromProfiles({ dictionary: model.dictionary, k, dim, sizes, centroids, mean, profiles });
}
