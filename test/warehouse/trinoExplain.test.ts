/**
 * Pushdown explanations (src/warehouse/trino-explain.ts) against the real Trino that `npm test`
 * starts: the summary computed by one aggregate query over every customer equals the engine's
 * in-process summary of the same table and model: segment sizes, labels, category counts,
 * histograms, min, max, medians and quantiles exactly; means, spreads, information gain and
 * distance shares to rounding (exact sums there, the engine's float sums here). Two runs give
 * the same summary, to the bit.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { segment, type SegmentationModel } from '../../src/segmentation';
import type { SegmentationSummary } from '../../src/segmentation/explain';
import type { ColumnarTable } from '../../src/segmentation/table';
import { TrinoWarehouse } from '../../src/warehouse';
import { explainInTrino } from '../../src/warehouse/trino-explain';
import { loadExampleCustomers, queryRows, trinoUrl } from '../helpers/trino';

const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
const EXAMPLE = `memory.default.explain_customers_${process.pid}`;
after(async () => {
  await queryRows(`DROP TABLE IF EXISTS ${EXAMPLE}`).catch(() => undefined);
});

const close = (a: number | null, b: number | null, what: string, rel = 1e-9): void => {
  assert.ok(a !== null && b !== null, `${what}: ${a} vs ${b}`);
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(a), Math.abs(b)), `${what}: Trino ${a}, engine ${b}`);
};

function assertAgree(sql: SegmentationSummary, engine: SegmentationSummary): void {
  assert.equal(sql.rowCount, engine.rowCount);
  assert.deepEqual(
    sql.segments.map((s) => [s.segment, s.size, s.label]),
    engine.segments.map((s) => [s.segment, s.size, s.label]),
  );
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
      assert.deepEqual(
        p.segments.map((s) => s.counts),
        e.segments.map((s) => s.counts),
        `${p.feature} counts per segment`,
      );
      assert.deepEqual(
        p.segments.map((s) => s.dominant),
        e.segments.map((s) => s.dominant),
      );
      close(p.informationGain, e.informationGain, `${p.feature} information gain`);
      return;
    }
    assert.deepEqual(p.binEdges, e.binEdges);
    const stats = [['all', p.population, e.population], ...p.segments.map((s, i) => [`segment ${i}`, s, e.segments[i]] as const)] as const;
    for (const [where, a, b] of stats) {
      assert.equal(a.size, b.size);
      assert.deepEqual(a.histogram, b.histogram, `${p.feature} histogram (${where})`);
      close(a.mean, b.mean, `${p.feature} mean (${where})`);
      close(a.std, b.std, `${p.feature} std (${where})`, 1e-7);
      assert.equal(a.min, b.min);
      assert.equal(a.max, b.max);
      assert.deepEqual(a.quantiles, b.quantiles, `${p.feature} quantiles (${where})`);
      assert.equal(a.median, b.median, `${p.feature} median (${where})`);
    }
  });
}

async function check(table: ColumnarTable, source: { table: string }, options: Parameters<typeof segment>[1]): Promise<void> {
  const fit = segment(table, options);
  const model = JSON.parse(JSON.stringify(fit.model)) as SegmentationModel;
  const w = wh();
  try {
    const t0 = Date.now();
    const sql = await explainInTrino(w, model, source, { userId: options.userId });
    console.log(`[explain] ${source.table}: ${table.rowCount} rows, k ${fit.k}, ${sql.features.length} features: two queries in ${Date.now() - t0} ms`);
    assertAgree(sql, fit.summary);
    assert.deepEqual(await explainInTrino(w, model, source, { userId: options.userId }), sql, 'a second run gives the same summary');
  } finally {
    await w.close();
  }
}

test("tpch.sf1.customer: the summary over every customer in Trino equals the engine's", { timeout: 600_000 }, async () => {
  const w = wh();
  const table = await w.scan({ kind: 'table', table: 'tpch.sf1.customer' }, { userId: 'custkey' });
  await w.close();
  await check(table, { table: 'tpch.sf1.customer' }, { userId: 'custkey', k: 5, nInit: 2, sampleSize: 2000 });
});

test("the example customers (nulls imputed, binaries, kept and other categories): the summary in Trino equals the engine's", { timeout: 300_000 }, async () => {
  await loadExampleCustomers(EXAMPLE);
  const w = wh();
  const table = await w.scan({ kind: 'table', table: EXAMPLE }, { userId: 'td_canonical_id' });
  await w.close();
  await check(table, { table: EXAMPLE }, { userId: 'td_canonical_id', k: 4, nInit: 2 });
});

test("skewed, tied and heavy-tailed features: the quantiles read inside the fine bins equal the engine's", { timeout: 300_000 }, async () => {
  const table = `memory.default.explain_skewed_${process.pid}`;
  // amount: almost every value in the lowest of the 4096 fine bins, a few huge ones (the bins are
  // equal-width); level: many ties, ranks on both sides of a bin edge.
  await queryRows(`CREATE TABLE ${table} AS SELECT x AS id,
      CASE WHEN x % 997 = 0 THEN 1e9 * x ELSE CAST(x % 37 AS double) + 0.5 END AS amount,
      CAST(x / 4000 AS double) AS level,
      CASE x % 3 WHEN 0 THEN 'a' WHEN 1 THEN 'b' ELSE 'c' END AS tier
    FROM (SELECT h * 10000 + l AS x FROM UNNEST(sequence(0, 1)) AS a(h) CROSS JOIN UNNEST(sequence(1, 10000)) AS b(l))`);
  try {
    const w = wh();
    const scanned = await w.scan({ kind: 'table', table }, { userId: 'id' });
    await w.close();
    await check(scanned, { table }, { userId: 'id', k: 3, nInit: 2 });
  } finally {
    await queryRows(`DROP TABLE IF EXISTS ${table}`);
  }
});
