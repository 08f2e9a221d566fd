/**
 * Pushdown explanations (src/warehouse/trino-explain.ts) against the real Trino that `npm test`
 * starts: the summary computed by one aggregate query over every customer equals the engine's
 * in-process summary of the same table and model (segment sizes, labels, category counts and
 * histograms exactly; means, spreads, information gain, purity and distance shares to rounding),
 * and its quantiles are within approx_percentile's rank error (5% here) of the exact ones.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { segment, type SegmentationModel } from '../../src/segmentation';
import type { SegmentationSummary } from '../../src/segmentation/explain';
import type { ColumnarTable } from '../../src/segmentation/table';
import { DuckDBWarehouse, TrinoWarehouse, type OutputTable } from '../../src/warehouse';
import { explainInTrino } from '../../src/warehouse/trino-explain';
import { queryRows, trinoUrl } from '../helpers/trino';

const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
const EXAMPLE = `memory.default.explain_customers_${process.pid}`;
after(async () => { await queryRows(`DROP TABLE IF EXISTS ${EXAMPLE}`).catch(() => undefined); });

const close = (a: number | null, b: number | null, what: string, rel = 1e-9): void => {
  assert.ok(a !== null && b !== null, `${what}: ${a} vs ${b}`);
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: Trino ${a}, engine ${b}`);
};

/** The value at rank q of the sorted values (the rank error approx_percentile is held to). */
function atRank(sorted: Float64Array, q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.round(q * (sorted.length - 1))))];
}

function assertAgree(sql: SegmentationSummary, engine: SegmentationSummary, table: ColumnarTable, labels: Int32Array): void {
  assert.equal(sql.rowCount, engine.rowCount);
  assert.deepEqual(sql.segments.map((s) => [s.segment, s.size, s.label]), engine.segments.map((s) => [s.segment, s.size, s.label]));
  sql.segments.forEach((s, i) => {
    close(s.share, engine.segments[i].share, `share of ${i}`);
    s.distanceShares.forEach((d, f) => {
      assert.equal(d.feature, engine.segments[i].distanceShares[f].feature);
      close(d.share, engine.segments[i].distanceShares[f].share, `distance share of ${d.feature} in ${i}`, 1e-7);
    });
  });
  sql.features.forEach((p, f) => {
    const e = engine.features[f];
    assert.equal(p.feature, e.feature);
    assert.equal(p.kind, e.kind);
    if (p.kind !== 'continuous' || e.kind !== 'continuous') {
      assert.ok(p.kind !== 'continuous' && e.kind !== 'continuous');
      assert.deepEqual(p.categories, e.categories);
      assert.deepEqual(p.population.counts, e.population.counts, `${p.feature} counts`);
      assert.deepEqual(p.segments.map((s) => s.counts), e.segments.map((s) => s.counts), `${p.feature} counts per segment`);
      assert.deepEqual(p.segments.map((s) => s.dominant), e.segments.map((s) => s.dominant));
      close(p.informationGain, e.informationGain, `${p.feature} information gain`);
      return;
    }
    assert.deepEqual(p.binEdges, e.binEdges);
    const stats = [['all', p.population, e.population, null], ...p.segments.map((s, i) => [`segment ${i}`, s, e.segments[i], i] as const)] as const;
    for (const [where, a, b, s] of stats) {
      assert.equal(a.size, b.size);
      assert.deepEqual(a.histogram, b.histogram, `${p.feature} histogram (${where})`);
      close(a.mean, b.mean, `${p.feature} mean (${where})`);
      close(a.std, b.std, `${p.feature} std (${where})`, 1e-7);
      assert.equal(a.min, b.min);
      assert.equal(a.max, b.max);
      // Quantiles: t-digest estimates, interpolated between its centroids: within 5% in rank of the
      // exact values of the same rows (imputed as the engine does); a wrong level or column is far off.
      const sorted = sortedValues(table, p.feature, labels, s);
      p.quantileLevels.forEach((q, t) => {
        const v = a.quantiles[t];
        assert.ok(v >= atRank(sorted, q - 0.05) && v <= atRank(sorted, q + 0.05), `${p.feature} q${q} (${where}): ${v} not within 5% in rank`);
      });
      assert.ok(a.median! >= atRank(sorted, 0.45) && a.median! <= atRank(sorted, 0.55), `${p.feature} median (${where})`);
    }
  });
}

/** The values the engine profiles for each continuous feature (nulls imputed with the dictionary's median). */
let imputed: Map<string, Float64Array> = new Map();
/** Those of segment `s` (all when null), sorted. */
function sortedValues(table: ColumnarTable, feature: string, labels: Int32Array, s: number | null): Float64Array {
  const all = imputed.get(feature)!;
  const out: number[] = [];
  for (let i = 0; i < table.rowCount; i++) if (s === null || labels[i] === s) out.push(all[i]);
  return Float64Array.from(out).sort();
}

async function check(table: ColumnarTable, source: { table: string }, options: Parameters<typeof segment>[1]): Promise<void> {
  const fit = segment(table, options);
  const model = JSON.parse(JSON.stringify(fit.model)) as SegmentationModel;
  imputed = new Map();
  for (const e of fit.dictionary.columns) {
    if (e.treatment !== 'continuous') continue;
    const c = table.columns.find((x) => x.name === e.column)!;
    assert.ok(c.kind === 'numeric');
    imputed.set(e.column, Float64Array.from(c.values, (v, i) => (c.nulls[i] !== 0 ? e.median : v)));
  }
  const w = wh();
  try {
    const t0 = Date.now();
    const sql = await explainInTrino(w, model, source, { userId: options.userId });
    console.log(`[explain] ${source.table}: ${table.rowCount} rows, k ${fit.k}, ${sql.features.length} features: one query in ${Date.now() - t0} ms`);
    assert.equal(sql.approximateQuantiles, true);
    assertAgree(sql, fit.summary, table, fit.labels);
  } finally {
    await w.close();
  }
}

test('tpch.sf1.customer: the summary over every customer in Trino equals the engine\'s', { timeout: 600_000 }, async () => {
  const w = wh();
  const table = await w.scan({ kind: 'table', table: 'tpch.sf1.customer' }, { userId: 'custkey' });
  await w.close();
  await check(table, { table: 'tpch.sf1.customer' }, { userId: 'custkey', k: 5, nInit: 2, sampleSize: 2000 });
});

test('the example customers (nulls imputed, binaries, kept and other categories): the summary in Trino equals the engine\'s', { timeout: 300_000 }, async () => {
  const duck = new DuckDBWarehouse();
  let csv: ColumnarTable;
  try {
    csv = await duck.scan({ kind: 'file', path: join(__dirname, '..', '..', 'examples', 'customers.csv') }, { userId: 'td_canonical_id' });
  } finally {
    await duck.close();
  }
  const out: OutputTable = {
    rowCount: csv.rowCount,
    columns: csv.columns.map((c) =>
      c.kind === 'categorical'
        ? { name: c.name, sqlType: 'varchar', values: c.values }
        : { name: c.name, sqlType: /int/i.test(c.sourceType ?? '') ? 'bigint' : 'double', values: Array.from(c.values, (v, i) => (c.nulls[i] !== 0 ? null : v)) },
    ),
  };
  const w = wh();
  await queryRows(`DROP TABLE IF EXISTS ${EXAMPLE}`);
  await w.writeTable(EXAMPLE, out, { runId: 'explain-test' });
  const table = await w.scan({ kind: 'table', table: EXAMPLE }, { userId: 'td_canonical_id' });
  await w.close();
  await check(table, { table: EXAMPLE }, { userId: 'td_canonical_id', k: 4, nInit: 2 });
});
