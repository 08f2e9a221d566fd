/**
 * The model as a SELECT against the real Trino that `npm test` starts (TRINO_URL): for every
 * customer, the segment the compiled SQL computes inside Trino equals the engine's `assign` on
 * the same table scanned through TrinoWarehouse. Acceptance: tpch.sf1.customer (150,000 rows),
 * the example customers (nulls, long-tail categoricals, binaries, dates, timestamps, decimals,
 * reals, booleans, unseen values) and constructed exact ties.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { queryRows, trinoUrl } from '../helpers/trino';
import { runCli } from '../helpers/cli';
import { assign, encodeWithModel, segment, type SegmentationModel } from '../../src/segmentation';
import { readColumn, type ColumnarTable } from '../../src/segmentation/table';
import { TrinoWarehouse, type OutputTable, type Source } from '../../src/warehouse';
import { DuckDBWarehouse } from '../../src/warehouse/duckdb';
import { modelSelect } from '../../src/warehouse/sql-model/modelSelect';
import { doubleLiteral } from '../../src/warehouse/sql-model/literals';

const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
const tag = `${process.pid}_${Date.now()}`;
const BASE = `memory.default.ms_example_base_${tag}`;
const TYPED = `memory.default.ms_example_${tag}`;
const tmp = mkdtempSync(join(tmpdir(), 'autoseg-modelselect-'));

after(async () => {
  for (const t of [BASE, TYPED]) await queryRows(`DROP TABLE IF EXISTS ${t}`).catch(() => undefined);
  rmSync(tmp, { recursive: true, force: true });
});

/** As a user would hold it: model.json written and read back. */
const viaJson = (m: SegmentationModel): SegmentationModel => JSON.parse(JSON.stringify(m)) as SegmentationModel;

/** user id -> segment (null for a NULL segment) of the compiled SELECT, run in Trino. */
async function sqlSegments(sql: string, userId: string): Promise<{ segments: Map<string, number | null>; labels: Map<string, string | null>; ms: number }> {
  const t0 = Date.now();
  const rows = await queryRows(`SELECT CAST(${JSON.stringify(userId)} AS varchar), segment, segment_label FROM (\n${sql}\n) AS compiled`);
  const ms = Date.now() - t0;
  return {
    segments: new Map(rows.map(([id, s]) => [String(id), s === null ? null : Number(s)])),
    labels: new Map(rows.map(([id, , l]) => [String(id), l === null ? null : String(l)])),
    ms,
  };
}

interface Comparison {
  rows: number;
  mismatches: number;
  examples: string[];
}

/** Compares the engine's assignment of `table` with the SQL's, customer by customer. */
function compare(model: SegmentationModel, table: ColumnarTable, engine: Int32Array, sql: Map<string, number | null>, labels?: Map<string, string | null>): Comparison {
  const ids = table.columns.find((c) => c.name === model.dictionary.userId);
  assert.ok(ids && ids.kind === 'categorical');
  assert.equal(sql.size, table.rowCount, 'the SELECT gives one row per customer');
  let mismatches = 0;
  const examples: string[] = [];
  ids.values.forEach((id, i) => {
    const s = sql.get(id as string);
    const label = labels?.get(id as string);
    const want = model.segmentLabels[engine[i]] ?? `segment ${engine[i]}`;
    if (s !== engine[i] || (labels !== undefined && label !== want)) {
      mismatches++;
      if (examples.length < 5) examples.push(`${id}: engine ${engine[i]}, SQL ${s} (${label})`);
    }
  });
  return { rows: table.rowCount, mismatches, examples };
}

test('tpch.sf1.customer: the compiled SELECT assigns all 150,000 customers exactly as the engine', { timeout: 600_000 }, async () => {
  const w = wh();
  const source: Source = { kind: 'table', table: 'tpch.sf1.customer' };
  const t0 = Date.now();
  const table = await w.scan(source, { userId: 'custkey' });
  const scanMs = Date.now() - t0;
  assert.equal(table.rowCount, 150_000);
  const fit = segment(table, { userId: 'custkey', k: 6, nInit: 2, sampleSize: 2000, priority: { high: ['mktsegment'], low: ['acctbal'] } });
  const model = viaJson(fit.model);
  const kept = model.dictionary.columns.filter((e) => e.treatment !== 'dropped' && e.treatment !== 'user_id').map((e) => `${e.column}:${e.treatment}:${e.sourceType}`);
  assert.deepEqual(kept, ['nationkey:continuous:bigint', 'acctbal:continuous:double', 'mktsegment:dummies:varchar(10)']);

  const t1 = Date.now();
  const engine = assign(model, table);
  const assignMs = Date.now() - t1;
  assert.deepEqual(engine, fit.labels, 'assign reproduces the fitted labels');

  const sql = modelSelect(model, { table: 'tpch.sf1.customer' });
  const { segments, labels, ms } = await sqlSegments(sql, 'custkey');
  const result = compare(model, table, engine, segments, labels);
  // server-side runtime without shipping 150,000 rows to the client: the SELECT (twice: cold, warm)
  // against a plain read of the same columns
  const timed = async (q: string): Promise<{ ms: number; rows: unknown[][] }> => {
    const t = Date.now();
    const rows = await queryRows(q);
    return { ms: Date.now() - t, rows };
  };
  const cold = await timed(`SELECT count(*), count(segment) FROM (\n${sql}\n) AS compiled`);
  const warm = await timed(`SELECT count(*), count(segment) FROM (\n${sql}\n) AS compiled`);
  const plain = await timed('SELECT count(*), count(custkey), sum(nationkey), sum(acctbal), count(mktsegment) FROM tpch.sf1.customer');
  const [[n, assigned]] = warm.rows;
  console.log(
    `[modelSelect] sf1: ${result.rows} rows compared, ${result.mismatches} mismatches; the SELECT: ${ms} ms with all rows fetched by the client, ` +
      `${cold.ms} ms cold / ${warm.ms} ms warm counted inside Trino (a plain scan of the same columns: ${plain.ms} ms); ` +
      `engine: scan ${scanMs} ms + assign ${assignMs} ms; ${sql.length} chars of SQL, k=${model.k}, d=${model.featureColumns.length}`,
  );
  assert.deepEqual(result.examples, []);
  assert.equal(result.mismatches, 0);
  assert.deepEqual([Number(n), Number(assigned)], [150_000, 150_000]);
});

/** The example CSV loaded into Trino's memory catalog, plus typed columns derived in Trino and crafted rows. */
async function loadExample(): Promise<void> {
  const duck = new DuckDBWarehouse();
  let csv: ColumnarTable;
  try {
    csv = await duck.scan({ kind: 'file', path: resolve(__dirname, '../../examples/customers.csv') }, { userId: 'td_canonical_id' });
  } finally {
    await duck.close();
  }
  const out: OutputTable = {
    rowCount: csv.rowCount,
    columns: csv.columns.map(readColumn).map((c) => {
      if (c.kind === 'categorical') return { name: c.name, sqlType: 'varchar', values: c.values };
      const integer = /int/i.test(c.sourceType ?? '');
      return { name: c.name, sqlType: integer ? 'bigint' : 'double', values: Array.from(c.values, (v, i) => (c.nulls[i] ? null : v)) };
    }),
  };
  await wh().writeTable(BASE, out, { runId: `modelselect-${tag}` });
  await queryRows(`CREATE TABLE ${TYPED} AS SELECT *,
      CAST(from_unixtime("time" - 86400 * (order_count % 40)) AS timestamp(3)) AS last_seen_ts,
      from_unixtime("time" - 3600 * web_visits_30d) AS last_seen_tstz,
      CAST(from_unixtime("time" - 86400 * days_since_last_order) AS date) AS last_order_date,
      is_subscribed = 1 AS subscribed_flag,
      loyalty_tier IN ('gold', 'platinum') AS premium,
      CAST(total_spend AS decimal(12,2)) AS spend_dec,
      CAST(email_open_rate AS real) AS open_rate_real,
      CAST(avg_order_value * 1.1 AS real) AS aov_real,
      CAST(preferred_channel AS char(8)) AS channel_char,
      CAST(order_count AS integer) AS orders_int
    FROM ${BASE}`);
  // unseen categorical values, a binary's unseen value, values outside the training range, all-null rows
  await queryRows(`INSERT INTO ${TYPED} (td_canonical_id, country, gender, is_subscribed, loyalty_tier, total_spend, order_count, web_visits_30d, preferred_channel, rfm_tier, premium, channel_char, spend_dec, open_rate_real, last_seen_ts, last_order_date, subscribed_flag)
    VALUES ('crafted-unseen', 'Atlantis', 'unknown-gender', 7, 'diamond', 1e7, 99999, -3, 'pigeon', 'zz', NULL, 'fax', DECIMAL '123456.78', REAL '0.3333333', TIMESTAMP '1999-01-01 00:00:00.000', DATE '2100-01-01', NULL),
           ('crafted-nulls', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
           ('crafted-negative', 'GB', 'female', 0, 'gold', -5000, -1, 0, 'app', 'champions', true, 'app', DECIMAL '-0.01', REAL '-1e-30', NULL, DATE '1970-01-01', false)`);
}

let example: { model: SegmentationModel; table: ColumnarTable } | undefined;

test('example customers in Trino (nulls, long tails, unseen values, dates, timestamps, decimals, reals, booleans): SQL = engine for every customer', { timeout: 600_000 }, async () => {
  await loadExample();
  const w = wh();
  // fitted on about 80% of the customers, so the others bring unseen values and out-of-range numbers
  const fitSource: Source = { kind: 'sql', sql: `SELECT * FROM ${TYPED} WHERE substr(td_canonical_id, 1, 1) NOT IN ('0', '1', '2') AND td_canonical_id NOT LIKE 'crafted%'` };
  const fitTable = await w.scan(fitSource, { userId: 'td_canonical_id' });
  const fit = segment(fitTable, { userId: 'td_canonical_id', k: 5, nInit: 3, priority: { high: ['rfm_tier'], med: ['spend_dec'], low: ['open_rate_real'] } });
  const model = viaJson(fit.model);
  const treatments = Object.fromEntries(model.dictionary.columns.map((e) => [e.column, `${e.treatment}${e.treatment === 'dummies' ? (e.other ? '+other' : '') : ''}:${e.sourceType}`]));
  console.log(`[modelSelect] example model: ${JSON.stringify(treatments)}`);
  // the kinds of input the SQL must reproduce are all features of this model
  for (const [column, treatment] of Object.entries({
    country: /^dummies\+other:varchar$/,
    is_subscribed: /^binary:bigint$/,
    spend_dec: /^continuous:decimal\(12, ?2\)$/,
    open_rate_real: /^continuous:real$/,
    last_seen_ts: /^continuous:timestamp(\(3\))?$/,
    last_seen_tstz: /^continuous:timestamp(\(3\))? with time zone$/,
    last_order_date: /^continuous:date$/,
    subscribed_flag: /^binary:boolean$/,
    premium: /^dummies(\+other)?:boolean$/,
    channel_char: /^dummies(\+other)?:char\(8\)$/,
    orders_int: /^continuous:integer$/,
  }))
    assert.match(treatments[column] ?? '', treatment, column);
  assert.ok(
    Object.values(treatments).some((t) => t.startsWith('dummies:')),
    'a categorical without an `other` bucket (unseen values: all dummies off)',
  );

  const full = await w.scan({ kind: 'table', table: TYPED }, { userId: 'td_canonical_id' });
  assert.equal(full.rowCount, 5003);
  const engine = assign(model, full);
  const sql = modelSelect(model, { table: TYPED });
  const { segments, labels, ms } = await sqlSegments(sql, 'td_canonical_id');
  const result = compare(model, full, engine, segments, labels);
  console.log(`[modelSelect] example: ${result.rows} rows compared (${fitTable.rowCount} fitted on), ${result.mismatches} mismatches, SQL ${ms} ms`);
  assert.deepEqual(result.examples, []);
  assert.equal(result.mismatches, 0);
  example = { model, table: full };

  // the CLI prints the same SELECT; a bad model file is exit 2
  const file = join(tmp, 'model.json');
  writeFileSync(file, JSON.stringify(model));
  const cli = await runCli(['sql', '--model', file, '--source-table', TYPED]);
  assert.equal(cli.code, 0, cli.stderr);
  assert.equal(cli.stdout, `${sql}\n`);
  const described = await runCli(['sql', '--model', file, '--source-table', TYPED, '--describe', '--extra-columns', 'country'], { TRINO_URL: trinoUrl() });
  assert.equal(described.code, 0, described.stderr);
  const viaCli = await sqlSegments(described.stdout, 'td_canonical_id');
  assert.equal(compare(model, full, engine, viaCli.segments).mismatches, 0);
  const badFile = join(tmp, 'bad.json');
  writeFileSync(badFile, JSON.stringify({ ...model, centroids: [[1, 2]] }));
  const bad = await runCli(['sql', '--model', badFile, '--source-table', TYPED]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^autoseg: model .*bad\.json: the model's centroids are not 5 rows/);
  const notJson = join(tmp, 'not.json');
  writeFileSync(notJson, '{');
  const broken = await runCli(['sql', '--model', notJson, '--source-table', TYPED]);
  assert.equal(broken.code, 2);
  assert.match(broken.stderr, /cannot read model/);

  // NaN in a double feature: the engine refuses the table, the SELECT gives that row a NULL segment
  const cols = (await w.describe({ kind: 'table', table: TYPED })).map((c) =>
    c.name === 'email_open_rate' ? `CASE WHEN td_canonical_id = 'crafted-nulls' THEN nan() ELSE email_open_rate END AS email_open_rate` : `"${c.name}"`,
  );
  const nanSql = `SELECT ${cols.join(', ')} FROM ${TYPED}`;
  if (treatments.email_open_rate?.startsWith('continuous')) {
    const nanTable = await w.scan({ kind: 'sql', sql: nanSql }, { userId: 'td_canonical_id' });
    assert.throws(() => assign(model, nanTable), /non-finite/);
    const nan = await sqlSegments(modelSelect(model, { sql: nanSql }), 'td_canonical_id');
    assert.equal(nan.segments.get('crafted-nulls'), null);
    assert.equal(nan.labels.get('crafted-nulls'), null);
    for (const [id, s] of nan.segments) if (id !== 'crafted-nulls') assert.equal(s, segments.get(id), id);
  }
});

test(
  'integer codes as categoricals (bigint, decimal, double; dummies with keepTopCategories, a binary): SQL = engine for every customer, unseen codes and fractions included',
  { timeout: 300_000 },
  async () => {
    const w = wh();
    const columns = `custkey, nationkey, nationkey % 2 AS parity_code, CAST(nationkey % 7 AS decimal(6, 1)) AS shelf_dec, CAST(nationkey % 5 AS double) AS bin_dbl, acctbal, mktsegment`;
    const fitSource: Source = { kind: 'sql', sql: `SELECT ${columns} FROM tpch.tiny.customer WHERE custkey % 5 <> 0` };
    const fitTable = await w.scan(fitSource, { userId: 'custkey' });
    const categorical = ['nationkey', 'parity_code', 'shelf_dec', 'bin_dbl'];
    const fit = segment(fitTable, { userId: 'custkey', k: 5, nInit: 2, categorical, keepTopCategories: 6 });
    const model = viaJson(fit.model);
    const treatments = categorical.map((c) => {
      const e = model.dictionary.columns.find((x) => x.column === c)!;
      return `${c}:${e.treatment}:${e.sourceKind}:${e.categoricalOverride === true}${e.treatment === 'dummies' ? `:${e.kept.length}${e.other ? '+other' : ''}` : ''}`;
    });
    assert.deepEqual(treatments, ['nationkey:dummies:numeric:true:6+other', 'parity_code:binary:numeric:true', 'shelf_dec:dummies:numeric:true:7', 'bin_dbl:dummies:numeric:true:5']);
    // scored: every customer, plus codes never seen (99, NULL), fractions, a huge integer, -0
    const crafted = `SELECT * FROM (VALUES
      (BIGINT '900001', BIGINT '99', BIGINT '7', DECIMAL '3.5', 2.5e0, 0e0, 'X'),
      (BIGINT '900002', CAST(NULL AS bigint), CAST(NULL AS bigint), CAST(NULL AS decimal(6, 1)), CAST(NULL AS double), CAST(NULL AS double), CAST(NULL AS varchar)),
      (BIGINT '900003', BIGINT '24', BIGINT '0', DECIMAL '-0.0', -0e0, 1e0, 'BUILDING'),
      (BIGINT '900004', BIGINT '-3', BIGINT '1', DECIMAL '6.0', 1e20, -1e0, 'MACHINERY'),
      (BIGINT '900005', BIGINT '7', BIGINT '1', DECIMAL '99999.9', 9007199254740993e0, 5e0, 'HOUSEHOLD')
    ) AS t(custkey, nationkey, parity_code, shelf_dec, bin_dbl, acctbal, mktsegment)`;
    const scoreSql = `SELECT ${columns} FROM tpch.tiny.customer UNION ALL ${crafted}`;
    const full = await w.scan({ kind: 'sql', sql: scoreSql }, { userId: 'custkey' });
    assert.equal(full.rowCount, 1505);
    const engine = assign(model, full);
    // the crafted codes are unseen: on `other` (99, NULL and 2.5 alike), -0 is the code 0
    const x = encodeWithModel(model, full);
    const on = (row: number, name: string): boolean => x.data[row * x.cols + model.featureColumns.findIndex((f) => f.name === name)] !== 0;
    const row = (id: string): number => (full.columns[0].values as string[]).indexOf(id);
    assert.equal(full.columns[0].name, 'custkey');
    assert.ok(on(row('900001'), 'nationkey=(other)') && on(row('900002'), 'nationkey=(other)') && on(row('900004'), 'nationkey=(other)'));
    assert.ok(!on(row('900001'), 'bin_dbl=2') && !on(row('900001'), 'bin_dbl=3'));
    assert.ok(on(row('900003'), 'bin_dbl=0') && on(row('900003'), 'shelf_dec=0'));
    const sql = modelSelect(model, { sql: scoreSql });
    const { segments, labels } = await sqlSegments(sql, 'custkey');
    const result = compare(model, full, engine, segments, labels);
    console.log(`[modelSelect] integer codes: ${result.rows} rows compared, ${result.mismatches} mismatches; ${treatments.join(', ')}`);
    assert.deepEqual(result.examples, []);
    assert.equal(result.mismatches, 0);
    // a NaN in a double code: the engine refuses the table, the SELECT gives that row a NULL segment
    const nanSql = `SELECT custkey, nationkey, parity_code, shelf_dec, CASE WHEN custkey = 3 THEN nan() ELSE bin_dbl END AS bin_dbl, acctbal, mktsegment FROM (${scoreSql})`;
    const withNaN: ColumnarTable = { ...full, columns: full.columns.map((c) => (c.name === 'bin_dbl' && c.kind === 'numeric' ? { ...c, values: c.values.map((v, r) => (r === 2 ? NaN : v)) } : c)) };
    assert.throws(() => assign(model, withNaN), /non-finite/);
    const nan = await sqlSegments(modelSelect(model, { sql: nanSql }), 'custkey');
    assert.equal(nan.segments.get('3'), null);
    for (const [id, s] of nan.segments) if (id !== '3') assert.equal(s, segments.get(id), id);
  },
);

/** The engine's squared distance from row i of `x` to centroid `c` (kernel order). */
function distance(x: Float64Array, d: number, i: number, c: readonly number[]): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const t = x[i * d + j] - c[j];
    s += t * t;
  }
  return s;
}

test('constructed exact ties: duplicated and mirrored centroids go to the lower segment in both the engine and the SQL', { timeout: 300_000 }, async () => {
  assert.ok(example, 'needs the example model of the previous test');
  const { model, table } = example;
  const x = encodeWithModel(model, table).data;
  const d = model.featureColumns.length;
  const labelsFor = (k: number): string[] => Array.from({ length: k }, (_, c) => `tie ${c}`);

  // (a) centroid 0 twice: every customer nearest to it is equidistant from segments 0 and 1
  const dup: SegmentationModel = { ...model, k: model.k + 1, centroids: [model.centroids[0], [...model.centroids[0]], ...model.centroids.slice(1)], segmentLabels: labelsFor(model.k + 1) };
  // (b) two centroids mirrored along a dummy column: a customer with that dummy off (x = 0) is at
  // exactly the same distance from both, whatever the other coordinates. The column with the most
  // such customers is chosen, and the pair is the whole model, so those ties are the minimum.
  const zeros = (jj: number): number => {
    let z = 0;
    for (let i = 0; i < table.rowCount; i++) if (x[i * d + jj] === 0) z++;
    return z;
  };
  const dummies = model.featureColumns.flatMap((f, jj) => (f.kind === 'dummy' || f.kind === 'other' ? [jj] : []));
  assert.ok(dummies.length > 0);
  const j = dummies.reduce((best, jj) => (zeros(jj) > zeros(best) ? jj : best));
  const anchor = [...model.centroids[0]];
  const plus = anchor.map((v, jj) => (jj === j ? 0.5 : v));
  const minus = anchor.map((v, jj) => (jj === j ? -0.5 : v));
  const mirrored: SegmentationModel = { ...model, k: 2, centroids: [plus, minus], segmentLabels: labelsFor(2) };
  const mirroredSwapped: SegmentationModel = { ...mirrored, centroids: [minus, plus] };

  for (const [name, m] of [
    ['duplicate', dup],
    ['mirrored', mirrored],
    ['mirrored, swapped', mirroredSwapped],
  ] as const) {
    const tm = viaJson(m);
    const engine = assign(tm, table);
    // rows where segments 0 and 1 are exactly tied for the minimum
    let ties = 0;
    for (let i = 0; i < table.rowCount; i++) {
      const ds = tm.centroids.map((c) => distance(x, d, i, c));
      const min = Math.min(...ds);
      if (ds[0] === min && ds[1] === min) {
        ties++;
        assert.equal(engine[i], 0, `${name}: engine picks the lower segment on a tie (row ${i})`);
      }
    }
    const { segments, labels } = await sqlSegments(modelSelect(tm, { table: TYPED }), 'td_canonical_id');
    const result = compare(tm, table, engine, segments, labels);
    console.log(`[modelSelect] tie model (${name}): ${ties} customers exactly tied between segments 0 and 1; ${result.rows} rows compared, ${result.mismatches} mismatches`);
    assert.ok(ties > 100, `${name}: the construction gives ties`);
    assert.deepEqual(result.examples, []);
    assert.equal(result.mismatches, 0);
  }
});

test('Trino reads the printed literals as DOUBLE with the same bits', async () => {
  const values = [0.1, 1 / 3, -2.5, 5e-324, 1.7976931348623157e308, 1e21, 2 ** 53 + 2, 1.5e-7, 0.00001, -0, 123456789.12345679];
  for (let i = 1; i <= 200; i++) values.push(Math.sin(i) * 10 ** ((i % 40) - 20));
  const rows = await queryRows(`SELECT typeof(v), v, CAST(v AS varchar) FROM (VALUES ${values.map((v) => `(${doubleLiteral(v)})`).join(', ')}) AS t(v)`);
  assert.equal(rows.length, values.length);
  rows.forEach(([type, v, text], i) => {
    assert.equal(type, 'double');
    // the JSON number, and Trino's own text of the value, both give back the very same double
    assert.ok(Object.is(Number(v), values[i]) || (values[i] === 0 && Number(v) === 0), `${values[i]} came back as ${String(v)}`);
    assert.ok(Object.is(Number(text), values[i]), `${values[i]} is ${String(text)} in Trino`);
  });
});
