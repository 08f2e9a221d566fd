import { test } from 'node:test';
import assert from 'node:assert/strict';
import { dictionaryFromProfiles, engineerFeatures } from '../../src/segmentation/engineer';
import type { DataDictionary } from '../../src/segmentation/dictionary';
import { SegmentationInputError } from '../../src/segmentation/errors';
import type { SegmentationOptionsInput } from '../../src/segmentation/options';
import { TrinoWarehouse, type Source } from '../../src/warehouse';
import { ESTIMATE_DISTINCT_ROWS, profileTrinoSource } from '../../src/warehouse/trino-profile';
import { loadExampleCustomers, queryRows, trinoUrl } from '../helpers/trino';

const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
const secs = (t0: number): string => `${((performance.now() - t0) / 1000).toFixed(2)} s`;

/** The dictionary of the last {@link compare} (both modes gave it). */
let lastDictionary: DataDictionary | undefined;

/** Worker mode (scan + engineerFeatures) and pushdown (SQL profiles + dictionaryFromProfiles) agree exactly. */
async function compare(w: TrinoWarehouse, source: Source, options: SegmentationOptionsInput, label: string, rowCountHint?: number): Promise<string[]> {
  const estimated: string[] = [];
  let t0 = performance.now();
  const table = await w.scan(source, { userId: options.userId });
  const scanned = secs(t0);
  t0 = performance.now();
  const worker = engineerFeatures(table, options);
  const engineered = secs(t0);
  t0 = performance.now();
  const p = await profileTrinoSource(w, source, options, undefined, rowCountHint);
  const plan = dictionaryFromProfiles(p, options);
  const pushdown = secs(t0);
  console.log(
    `[profile] ${label}: ${table.rowCount} rows x ${table.columns.length} columns; worker scan ${scanned} + engineer ${engineered}; pushdown ${pushdown} in ${p.queries.length} queries (ms: ${p.queryMs.join(', ')})`,
  );
  // 5 queries; on a big table one more per categorical (its distinct count on its own).
  const categoricals = table.columns.filter((c) => c.kind === 'categorical' && c.name !== options.userId).length;
  assert.ok(p.queries.length <= 5 + (rowCountHint === undefined ? 0 : categoricals), `${p.queries.length} queries`);
  assert.equal(p.rowCount, table.rowCount);
  // On a big table a near-unique column is dropped on approx_distinct's estimate: the same
  // decision as its exact count, the count marked as an estimate and within its error margin.
  const columns = plan.dictionary.columns.map((e, i) => {
    if (e.treatment !== 'dropped' || e.distinctEstimated !== true) return e;
    const exact = worker.dictionary.columns[i];
    assert.ok(rowCountHint !== undefined && rowCountHint > ESTIMATE_DISTINCT_ROWS, `${e.column}: estimated on a small table`);
    assert.equal(exact.treatment, 'dropped', `${e.column}: dropped on its estimate, kept by worker mode`);
    assert.equal(exact.treatment === 'dropped' && exact.reason, e.reason);
    const trueCount = exact.treatment === 'dropped' ? exact.distinctCount! : NaN;
    assert.ok(Math.abs(e.distinctCount! - trueCount) <= 6 * 0.0040625 * trueCount, `${e.column}: estimate ${e.distinctCount} vs exact ${trueCount}`);
    assert.match(e.detail, /^about \d+ distinct values on \d+ rows \(estimated/);
    estimated.push(e.column);
    return exact;
  });
  assert.deepEqual({ ...plan.dictionary, columns }, worker.dictionary);
  assert.deepEqual(plan.featureColumns, worker.featureColumns);
  assert.deepEqual(plan.scaler, worker.scaler);
  assert.deepEqual(plan.weights, worker.weights);
  lastDictionary = worker.dictionary;
  return estimated;
}

/** The entry of `column` in the last compared dictionary. */
const dictionaryEntry = (column: string): Record<string, unknown> => lastDictionary!.columns.find((e) => e.column === column) as unknown as Record<string, unknown>;

test('tpch.tiny.customer: the code warning on nationkey, and nationkey as a categorical (keepTopCategories): pushdown equals worker mode', async () => {
  const w = wh();
  const source: Source = { kind: 'table', table: 'tpch.tiny.customer' };
  await compare(w, source, { userId: 'custkey' }, 'tpch.tiny.customer');
  assert.match(String(dictionaryEntry('nationkey').warning), /^looks like a code, not a quantity: 25 distinct integer values \(0 to 24\) on 1500 rows/);
  assert.equal(dictionaryEntry('acctbal').warning, undefined);
  for (const options of [
    { userId: 'custkey', categorical: ['nationkey'], keepTopCategories: 5 },
    { userId: 'custkey', categorical: ['nationkey'], minCategoryShare: 0.04 },
    { userId: 'custkey', categorical: ['nationkey', 'mktsegment', 'nothing'], keepTopCategories: 3, minCategoryShare: 0.3 },
  ]) {
    await compare(w, source, options, `tpch.tiny.customer ${JSON.stringify(options)}`);
    const e = dictionaryEntry('nationkey');
    assert.equal(e.treatment, 'dummies');
    assert.equal(e.categoricalOverride, true);
    assert.ok((e.kept as { value: unknown }[]).every((k) => typeof k.value === 'string' && /^\d+$/.test(k.value)));
  }
  // a non-integer value refuses the run in both modes
  const options = { userId: 'custkey', categorical: ['acctbal'] };
  const table = await w.scan(source, { userId: 'custkey' });
  assert.throws(
    () => engineerFeatures(table, options),
    (e: unknown) => e instanceof SegmentationInputError && e.code === 'NON_INTEGER_CODE' && e.row !== undefined,
  );
  const bad = await profileTrinoSource(w, source, options);
  assert.throws(
    () => dictionaryFromProfiles(bad, options),
    (e: unknown) => e instanceof SegmentationInputError && e.code === 'NON_INTEGER_CODE' && /has \d+ values that are not an integer/.test(e.message),
  );
});

test('tpch.sf1.customer: the pushdown dictionary equals worker mode', async () => {
  const w = wh();
  await compare(w, { kind: 'table', table: 'tpch.sf1.customer' }, { userId: 'custkey' }, 'tpch.sf1.customer');
  await compare(
    w,
    { kind: 'table', table: 'tpch.sf1.customer' },
    { userId: 'custkey', minCategoryShare: 0.01, exclude: ['addr*', 'nomatch'], priority: { high: ['mktsegment'], low: ['phone'] } },
    'tpch.sf1.customer (options)',
  );
  // As on a table of more than ESTIMATE_DISTINCT_ROWS rows: the near-unique text columns dropped
  // on their estimates, the others counted exactly in one more query; above
  // SEPARATE_DISTINCT_ROWS rows, each of those by a query of its own.
  const nearUnique = ['name', 'address', 'phone', 'comment'];
  assert.deepEqual(await compare(w, { kind: 'table', table: 'tpch.sf1.customer' }, { userId: 'custkey' }, 'tpch.sf1.customer (estimated distinct counts)', 1_500_000), nearUnique);
  assert.deepEqual(await compare(w, { kind: 'table', table: 'tpch.sf1.customer' }, { userId: 'custkey' }, 'tpch.sf1.customer (big-table plan)', 3_000_000), nearUnique);
  // At 1% a column needs more than 99% distinct values to be ruled out, more than an estimate
  // less its margin (6 standard errors, 2.4%) can show: every column is counted exactly.
  assert.deepEqual(await compare(w, { kind: 'table', table: 'tpch.sf1.customer' }, { userId: 'custkey', minCategoryShare: 0.01 }, 'tpch.sf1.customer (big-table plan, 1%)', 3_000_000), []);
  if (process.env.AUTOSEG_PROFILE_SF10 === '1') {
    const t0 = performance.now();
    const p = await profileTrinoSource(w, { kind: 'table', table: 'tpch.sf10.customer' }, { userId: 'custkey' });
    dictionaryFromProfiles(p, { userId: 'custkey' });
    console.log(`[profile] tpch.sf10.customer pushdown only: ${p.rowCount} rows in ${secs(t0)} (ms: ${p.queryMs.join(', ')})`);
  }
});

test('the example customers (nulls, constants, long tails, binaries, ids) and edge values: pushdown equals worker mode', async () => {
  const w = wh();
  const target = 'memory.default.autoseg_profile_customers';
  await loadExampleCustomers(target);
  try {
    await compare(w, { kind: 'table', table: target }, { userId: 'td_canonical_id' }, 'example customers');
    await compare(
      w,
      { kind: 'table', table: target },
      { userId: 'td_canonical_id', minCategoryShare: 0.02, maxNullShare: 1, priority: { med: ['country', 'fax_number'] } },
      'example customers (options)',
    );
    await compare(
      w,
      { kind: 'table', table: target },
      { userId: 'td_canonical_id', categorical: ['order_count', 'web_visits_30d', 'is_subscribed'], keepTopCategories: 4, minCategoryShare: 0.15 },
      'example customers (categorical, keepTopCategories)',
    );
  } finally {
    await queryRows(`DROP TABLE IF EXISTS ${target}`);
  }
  // Orders Trino and JS disagree on (U+E000 vs U+1F600), ties at the cut-off, NULL categories,
  // near-unique text (at 1%, note: 398 distinct values on 400 rows, no value can be kept; memo: 397, 'dup' kept),
  // a numeric binary with nulls, an even median, dates, timestamps, booleans, decimals.
  const edge = `SELECT x AS id,
      CASE x % 7 WHEN 0 THEN NULL WHEN 1 THEN 'a' WHEN 2 THEN 'b' ELSE 'c' END AS tier,
      CASE WHEN x <= 40 THEN 'common' WHEN x % 2 = 0 THEN 'v' || chr(57344) || CAST(x AS varchar) ELSE 'v' || chr(128512) || CAST(x AS varchar) END AS tail,
      CASE WHEN x % 5 = 0 THEN NULL WHEN x % 3 = 0 THEN 2.5e0 ELSE -1e0 END AS flag,
      CAST(x AS double) / 3 + 1e6 AS amount,
      CAST(x % 13 AS decimal(10, 2)) / 7 AS ratio,
      date_add('day', x % 11, DATE '2024-01-01') AS signup,
      date_add('millisecond', x * 12345, TIMESTAMP '2024-01-01 00:00:00.000') AS seen_at,
      x % 4 = 0 AS active,
      CASE WHEN x % 9 = 0 THEN NULL ELSE x * 1e-3 END AS tiny,
      CASE WHEN x <= 3 THEN 'dup' ELSE 'n' || CAST(x AS varchar) END AS note,
      CASE WHEN x <= 4 THEN 'dup' ELSE 'n' || CAST(x AS varchar) END AS memo,
      CASE WHEN x % 50 = 0 THEN NULL ELSE 'k' || CAST(x AS varchar) END AS code,
      CASE WHEN x % 20 = 0 THEN NULL ELSE x % 30 - 3 END AS zip,
      CAST(x % 6 AS decimal(5, 1)) AS grade_code,
      CASE WHEN x % 28 = 0 THEN -0e0 ELSE CAST(x % 14 AS double) END AS shelf_no
    FROM UNNEST(sequence(1, 400)) AS t(x)`;
  await compare(w, { kind: 'sql', sql: edge }, { userId: 'id', minCategoryShare: 0.02 }, 'edge values (2%)');
  await compare(w, { kind: 'sql', sql: edge }, { userId: 'id', minCategoryShare: 0.01 }, 'edge values (1%)');
  // integer codes as categoricals: bigint with nulls and negatives, decimal, double; the top N of a long tail
  await compare(w, { kind: 'sql', sql: edge }, { userId: 'id' }, 'edge values');
  assert.match(String(dictionaryEntry('zip').warning), /^looks like a code/);
  await compare(w, { kind: 'sql', sql: edge }, { userId: 'id', categorical: ['zip', 'grade_code', 'shelf_no'], keepTopCategories: 3 }, 'edge values (categorical, keepTopCategories)');
  assert.deepEqual(
    ['zip', 'grade_code', 'shelf_no'].map((c) => [dictionaryEntry(c).treatment, dictionaryEntry(c).categoricalOverride]),
    [
      ['dummies', true],
      ['dummies', true],
      ['dummies', true],
    ],
  );
  assert.ok(dictionaryEntry('zip').keptTop !== undefined && (dictionaryEntry('zip').kept as { value: string }[]).some((k) => k.value === null), 'zip: the top 3 of 31 values, NULL (20 rows) first');
  await compare(w, { kind: 'sql', sql: edge }, { userId: 'id', keepTopCategories: 7, minCategoryShare: 0.02 }, 'edge values (2%, keepTopCategories)');
  // The big-table plan: near-unique text (NULL counted as a value of its own) dropped on estimates.
  assert.deepEqual(await compare(w, { kind: 'sql', sql: edge }, { userId: 'id' }, 'edge values (big-table plan)', 3_000_000), ['note', 'memo', 'code']);
});
