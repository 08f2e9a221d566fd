/**
 * Summaries for the report tests: real engine runs on the shipped example (optionally with
 * hostile column names and category values, or replicated to 150,000 customers), assembled into
 * the `summary.json` shape the pipeline writes, plus a synthetic worst-case-width summary.
 */
import { resolve } from 'node:path';
import type { SummaryFile } from '../../src/activities/finish';
import { parseRunConfig } from '../../src/config/runConfig';
import type { DataDictionary, DictionaryEntry } from '../../src/segmentation/dictionary';
import type { CategoricalProfile, ContinuousProfile, SegmentationSummary } from '../../src/segmentation/explain';
import { segment, type SegmentationOptionsInput, type SegmentationResult } from '../../src/segmentation';
import { readColumn, type ColumnarTable, type InputColumn } from '../../src/segmentation/table';
import { DuckDBWarehouse } from '../../src/warehouse/duckdb';

export const EXAMPLE_CSV = resolve(__dirname, '../../examples/customers.csv');
export const USER_ID = 'td_canonical_id';

/** Text that must never appear raw in the report. */
export const HOSTILE_VALUE = '<script>alert("value")</script>';
export const HOSTILE_COLUMN = 'channel <img src=x onerror=alert(1)> & "co"';

export async function loadExample(): Promise<ColumnarTable> {
  const w = new DuckDBWarehouse();
  try {
    return await w.scan({ kind: 'file', path: EXAMPLE_CSV }, { userId: USER_ID });
  } finally {
    await w.close();
  }
}

/** The example with `preferred_channel` renamed to {@link HOSTILE_COLUMN} and its `email` value replaced by {@link HOSTILE_VALUE}. */
export function hostile(table: ColumnarTable): ColumnarTable {
  const columns = table.columns.map(readColumn).map((c): InputColumn => {
    if (c.name !== 'preferred_channel' || c.kind !== 'categorical') return c;
    return { ...c, name: HOSTILE_COLUMN, values: c.values.map((v) => (v === 'email' ? HOSTILE_VALUE : v)) };
  });
  return { ...table, columns };
}

/** The example replicated to `rows` customers: fresh ids, numeric values jittered by up to 2%. */
export function replicated(table: ColumnarTable, rows: number): ColumnarTable {
  const n = table.rowCount;
  const jitter = (i: number) => 1 + 0.02 * (((i * 2654435761) >>> 0) / 2 ** 32 - 0.5);
  const columns = table.columns.map(readColumn).map((c): InputColumn => {
    if (c.kind === 'numeric') {
      const values = new Float64Array(rows);
      const nulls = new Uint8Array(rows);
      for (let i = 0; i < rows; i++) {
        const r = i % n;
        nulls[i] = c.nulls[r];
        values[i] = i < n || c.name === 'is_subscribed' || c.name === 'exclude_internal_flag' ? c.values[r] : c.values[r] * jitter(i);
      }
      return { ...c, values, nulls };
    }
    const values = Array.from({ length: rows }, (_, i) => {
      const v = c.values[i % n];
      return c.name === USER_ID || c.name === 'email' ? `${v}-${Math.floor(i / n)}` : v;
    });
    return { ...c, values };
  });
  return { name: `${table.name} x${Math.ceil(rows / n)}`, rowCount: rows, columns };
}

/** Previous-run labels for a transition matrix: most customers keep their segment, every 7th moves on. */
export function transitionsFor(labels: Int32Array, k: number): { matrix: number[][]; moved: number } {
  const matrix = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let moved = 0;
  labels.forEach((l, i) => {
    const prev = i % 7 === 0 ? (l + 1) % k : l;
    matrix[prev][l]++;
    if (prev !== l) moved++;
  });
  return { matrix, moved };
}

export interface AssembleOptions {
  readonly runId?: string;
  readonly withTransitions?: boolean;
  readonly sourcePath?: string;
  /** The run config's human column names (`labels`): used in the segment labels and the report. */
  readonly labels?: Record<string, string>;
}

/** The SummaryFile the pipeline would write for `result` (through JSON, as read back from summary.json). */
export function assemble(result: SegmentationResult, options: SegmentationOptionsInput, assembleOptions: AssembleOptions = {}): SummaryFile {
  const t = assembleOptions.withTransitions ? transitionsFor(result.labels, result.k) : null;
  const config = parseRunConfig({
    ...options,
    source: { kind: 'file', path: assembleOptions.sourcePath ?? EXAMPLE_CSV },
    output: { kind: 'dir', dir: '/tmp/autoseg-report-test' },
    ...(assembleOptions.labels ? { labels: assembleOptions.labels } : {}),
  });
  const file: SummaryFile = {
    format: 'autoseg.run-summary',
    runId: assembleOptions.runId ?? 'autoseg-report-test',
    createdAt: '2026-01-01T00:00:00.000Z',
    rows: result.labels.length,
    features: result.engineered.featureColumns.length,
    k: result.k,
    elbowK: result.selection.elbowK,
    silhouetteK: result.selection.silhouetteK,
    choice: result.selection,
    scores: result.scores.map((s) => ({ k: s.k, inertia: s.inertia, silhouette: s.silhouette, calinskiHarabasz: s.calinskiHarabasz, sampleSize: s.sampleSize })),
    segments: result.summary.segments.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })),
    movedSincePrevious: t ? t.moved : null,
    timings: ['extract', 'engineer', 'score', 'choose', 'cluster', 'explain', 'write', 'report'].map((stage, i) => ({ stage, ms: 40 * (i + 1) })),
    outputs: { segments: '/tmp/autoseg-report-test/segments.csv', model: '/tmp/autoseg-report-test/model.json', summary: '/tmp/autoseg-report-test/summary.json' },
    config,
    dataDictionary: result.dictionary,
    explanation: result.summary,
    transitions: t ? t.matrix : null,
    inertia: result.inertia,
  };
  return JSON.parse(JSON.stringify(file)) as SummaryFile;
}

/** Runs the engine on `table` (with the human column names of `assembleOptions.labels`) and assembles its summary. */
export function runSummary(table: ColumnarTable, options: SegmentationOptionsInput, assembleOptions: AssembleOptions = {}): SummaryFile {
  return assemble(segment(table, options, { names: assembleOptions.labels }), options, assembleOptions);
}

/**
 * A summary as wide as a large real run could make it: `k` segments, `continuous` and
 * `categorical` features (each categorical with `categories` values), 20-bin histograms,
 * long feature names, 20 scored k, a full transition matrix. Only shapes matter; values are
 * deterministic and plausible.
 */
export function syntheticSummary(o: { rows: number; k: number; continuous: number; categorical: number; categories: number; dropped: number }): SummaryFile {
  const { rows, k } = o;
  const sizes = Array.from({ length: k }, (_, s) => Math.floor(rows / k) + (s < rows % k ? 1 : 0));
  const bins = 20;
  const name = (kind: string, i: number) => `${kind}_feature_with_a_rather_long_descriptive_name_${String(i).padStart(3, '0')}`;
  const hist = (size: number, shift: number) => {
    const w = Array.from({ length: bins }, (_, b) => Math.exp(-(((b - shift) / 3) ** 2)));
    const t = w.reduce((a, b) => a + b, 0);
    const h = w.map((x) => Math.floor((x / t) * size));
    h[0] += size - h.reduce((a, b) => a + b, 0);
    return h;
  };
  const cont: ContinuousProfile[] = Array.from({ length: o.continuous }, (_, f) => ({
    feature: name('num', f),
    kind: 'continuous',
    quantileLevels: [0.1, 0.25, 0.5, 0.75, 0.9],
    binEdges: Array.from({ length: bins + 1 }, (_, b) => b * 123.4567),
    population: { size: rows, mean: 1234.5, std: 600, min: 0, max: 2469.134, median: 1200, quantiles: [200, 600, 1200, 1800, 2200], histogram: hist(rows, 10) },
    segments: sizes.map((size, s) => ({
      segment: s,
      size,
      mean: 100 * s,
      std: 300,
      min: 0,
      max: 2469.134,
      median: 100 * s,
      quantiles: [1, 2, 3, 4, 5],
      histogram: hist(size, (s * 7 + f) % bins),
      compactness: 0.5 - ((s + f) % 10) / 10,
    })),
  }));
  const catNames = (f: number) => Array.from({ length: o.categories }, (_, j) => (j === o.categories - 1 ? '(other)' : `value_${f}_${j}`));
  const shares = (m: number, s: number) => {
    const w = Array.from({ length: m }, (_, j) => 1 + ((j + s) % m));
    const t = w.reduce((a, b) => a + b, 0);
    return w.map((x) => x / t);
  };
  const cat: CategoricalProfile[] = Array.from({ length: o.categorical }, (_, f) => {
    const pop = shares(o.categories, 0);
    return {
      feature: name('cat', f),
      kind: 'categorical',
      categories: catNames(f),
      informationGain: 1 / (f + 1),
      population: { counts: pop.map((p) => Math.round(p * rows)), shares: pop },
      segments: sizes.map((size, s) => {
        const sh = shares(o.categories, s + f);
        return { segment: s, counts: sh.map((p) => Math.round(p * size)), shares: sh, purity: Math.max(...sh), dominant: catNames(f)[sh.indexOf(Math.max(...sh))] };
      }),
    };
  });
  const features = [...cont, ...cat];
  const explanation: SegmentationSummary = {
    rowCount: rows,
    k,
    segments: sizes.map((size, s) => ({
      segment: s,
      label: `high ${name('num', s % Math.max(1, o.continuous))}, ${name('cat', s % Math.max(1, o.categorical))}=value_${s}_1`,
      size,
      share: size / rows,
      distanceShares: features.map((p, i) => ({ feature: p.feature, share: 1 / features.length + (i === s ? 0 : 0) })),
    })),
    features,
  };
  const base = { sourceType: 'DOUBLE', nullCount: 12, priority: null, factor: 1 } as const;
  const columns: DictionaryEntry[] = [
    { column: 'customer_id', sourceKind: 'categorical', sourceType: 'VARCHAR', nullCount: 0, treatment: 'user_id' },
    ...cont.map((p, i): DictionaryEntry => ({
      ...base,
      column: p.feature,
      sourceKind: 'numeric',
      columns: [i],
      treatment: 'continuous',
      min: 0,
      max: 2469.134,
      median: 1200,
      mean: 1234.5,
      nullsImputedWith: 'median',
    })),
    ...cat.map((p, i): DictionaryEntry => ({
      ...base,
      sourceType: 'VARCHAR',
      column: p.feature,
      sourceKind: 'categorical',
      columns: Array.from({ length: o.categories }, (_, j) => o.continuous + i * o.categories + j),
      treatment: 'dummies',
      kept: p.categories.slice(0, -1).map((value, j) => ({ value, count: p.population.counts[j] })),
      other: { count: p.population.counts[o.categories - 1], distinctCount: 80, values: Array.from({ length: 50 }, (_, j) => `rare_${j}`), valuesTruncated: true },
      dummyCount: o.categories,
      nullsAs: 'own_value',
    })),
    ...Array.from({ length: o.dropped }, (_, i): DictionaryEntry => ({
      column: `dropped_column_${i}`,
      sourceKind: 'categorical',
      sourceType: 'VARCHAR',
      nullCount: rows,
      treatment: 'dropped',
      reason: 'too_many_nulls',
      detail: '100.0% nulls > maxNullShare 25.0%',
      distinctCount: null,
      priorityIgnored: null,
    })),
  ];
  const dictionary: DataDictionary = { table: 'synthetic.customers', rowCount: rows, userId: 'customer_id', minCategoryShare: 0.05, maxNullShare: 0.25, columns, warnings: [] };
  const scores = Array.from({ length: 19 }, (_, i) => ({ k: i + 2, inertia: 1e6 / (i + 2), silhouette: 0.3 - 0.01 * Math.abs(i + 2 - k), calinskiHarabasz: 1000, sampleSize: 10_000 }));
  const choice = { elbowK: k, silhouetteK: k, chosenK: k, selection: 'elbow', requested: 'elbow', reason: `k = ${k} is the elbow of the inertia curve (Kneedle).`, elbowReason: 'synthetic' } as const;
  const t = Array.from({ length: k }, (_, p) => Array.from({ length: k }, (_, n) => (p === n ? sizes[n] - (k - 1) * 10 : 10)));
  const file: SummaryFile = {
    format: 'autoseg.run-summary',
    runId: 'autoseg-synthetic',
    createdAt: '2026-01-01T00:00:00.000Z',
    rows,
    features: o.continuous + o.categorical * o.categories,
    k,
    elbowK: k,
    silhouetteK: k,
    choice,
    scores,
    segments: explanation.segments.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })),
    movedSincePrevious: 10 * k * (k - 1),
    timings: [
      { stage: 'extract', ms: 2000 },
      { stage: 'score', ms: 30_000 },
    ],
    outputs: { segments: 'synthetic.segments', model: 'synthetic.segments_model', summary: '/tmp/synthetic/summary.json' },
    config: parseRunConfig({ userId: 'customer_id', source: { kind: 'table', table: 'hive.cdp.customers' }, output: { kind: 'table', table: 'hive.cdp.segments' }, kRange: { min: 2, max: 20 } }),
    dataDictionary: dictionary,
    explanation,
    transitions: t,
    inertia: 1e6 / k,
  };
  return file;
}
