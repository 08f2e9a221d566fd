/**
 * Pushdown explanations: the numbers of the run summary and report computed over every customer
 * of the source table inside Trino, not over the training sample. One aggregate query over the
 * model's assignment SELECT (sql-model/modelSelect.ts, with each row's matrix values and feature
 * values), grouped by GROUPING SETS ((segment), ()) so that the population comes from the same
 * scan:
 * - per segment: its size, and the mean of every matrix column (its centroid; the population's
 *   mean from the () set): distance shares and labels follow as in process;
 * - per continuous feature (after imputation): mean, population std, min, max, the histogram on
 *   the same bins as in process (exact counts), and the quantiles and median by
 *   `approx_percentile` (Trino's estimate: a rank error of about 1%; `approximateQuantiles`);
 * - per binary or categorical feature: the count of each category (the engine's categories, from
 *   the same encoding), from which shares, purity and information gain follow.
 */
import { featureEntries } from '../segmentation/dictionary';
import { summaryFromProfiles, type SegmentationSummary } from '../segmentation/explain';
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

/** The explanation query: see the module comment. Exported for tests and `autoseg sql`-style inspection. */
export function explainSql(model: SegmentationModel, source: ModelSelectSource, options: TrinoExplainOptions = {}): string {
  const bins = options.bins ?? 20;
  const levels = options.quantileLevels ?? [0.1, 0.25, 0.5, 0.75, 0.9];
  const dim = model.featureColumns.length;
  const seg = quoteIdentifier(SEGMENT_COLUMN);
  const aggregates = ['count(*)'];
  for (let j = 0; j < dim; j++) aggregates.push(`avg(${matrixColumn(j)})`);
  featureEntries(model.dictionary).forEach((e, f) => {
    const v = featureValueColumn(f);
    if (e.treatment !== 'continuous') {
      aggregates.push(`histogram(${v})`);
      return;
    }
    const { width } = histogramBins(e, bins);
    // featureProfiles.ts's bin of v: floor((v - min) / width) clamped to [0, bins - 1] (0 when width is 0).
    const bin = width > 0 ? `least(greatest(CAST(floor((${v} - ${doubleLiteral(e.min)}) / ${doubleLiteral(width)}) AS bigint), 0), ${bins - 1})` : '0';
    aggregates.push(`avg(${v})`, `stddev_pop(${v})`, `min(${v})`, `max(${v})`, `approx_percentile(${v}, ARRAY[${[...levels, 0.5].map(doubleLiteral).join(', ')}])`, `histogram(${bin})`);
  });
  const assigned = modelSelect(model, source, { userId: options.userId, columnTypes: options.columnTypes, labels: false, matrix: true, featureValues: true });
  return [
    `-- autoseg: the segment profiles over every customer (k = ${model.k}, ${dim} matrix columns): per segment and for all, sizes, centroids and feature distributions.`,
    `SELECT grouping(${seg}), ${seg},`,
    `  ${aggregates.join(',\n  ')}`,
    `FROM (\n${assigned}\n) AS autoseg_assigned`,
    `GROUP BY GROUPING SETS ((${seg}), ())`,
  ].join('\n');
}

const num = (v: unknown): number => Number(v);
const maybe = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));
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
export async function explainInTrino(trino: TrinoWarehouse, model: SegmentationModel, source: ModelSelectSource, options: TrinoExplainOptions = {}): Promise<SegmentationSummary & { approximateQuantiles: true }> {
  const bins = options.bins ?? 20;
  const levels = options.quantileLevels ?? [0.1, 0.25, 0.5, 0.75, 0.9];
  const { rows } = await trino.connection.execute(explainSql(model, source, options), undefined, options.signal);
  const k = model.k;
  const dim = model.featureColumns.length;
  const all = rows.find((r) => num(r[0]) === 1);
  const bySegment = new Map<number, unknown[]>();
  for (const r of rows) if (num(r[0]) === 0 && r[1] !== null) bySegment.set(num(r[1]), r);
  const sizes = Array.from({ length: k }, (_, s) => num(bySegment.get(s)?.[2] ?? 0));
  const centroids = new Float64Array(k * dim);
  const mean = new Float64Array(dim);
  for (let j = 0; j < dim; j++) {
    mean[j] = num(all?.[3 + j] ?? 0);
    for (let s = 0; s < k; s++) {
      const r = bySegment.get(s);
      // An empty segment's centroid is the mean, as in process.
      centroids[s * dim + j] = r === undefined ? mean[j] : num(r[3 + j]);
    }
  }
  let at = 3 + dim;
  const profiles: FeatureProfile[] = featureEntries(model.dictionary).map((e): FeatureProfile => {
    if (e.treatment === 'continuous') {
      const col = at;
      at += 6;
      const { binEdges } = histogramBins(e, bins);
      const statsOf = (r: unknown[] | undefined): ContinuousStats => {
        const size = r === undefined ? 0 : num(r[2]);
        if (r === undefined || size === 0) return { size: 0, mean: null, std: null, min: null, max: null, median: null, quantiles: [], histogram: new Array<number>(bins).fill(0) };
        const q = (r[col + 4] as unknown[]).map(num);
        return { size, mean: maybe(r[col]), std: maybe(r[col + 1]), min: maybe(r[col + 2]), max: maybe(r[col + 3]), median: q[levels.length], quantiles: q.slice(0, levels.length), histogram: countsOf(r[col + 5], bins) };
      };
      const population = statsOf(all);
      const popStd = population.std ?? 0;
      const segments = Array.from({ length: k }, (_, s) => {
        const st = statsOf(bySegment.get(s));
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
  return { ...summaryFromProfiles({ dictionary: model.dictionary, k, dim, sizes, centroids, mean, profiles }), approximateQuantiles: true };
}
