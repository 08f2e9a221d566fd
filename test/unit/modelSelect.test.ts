/**
 * The model as a SELECT (src/warehouse/sql-model): the SQL's shape, exact DOUBLE literals, and
 * quoting of hostile names, values and labels. Whether Trino computes the engine's segments is
 * test/warehouse/modelSelect.test.ts (real Trino).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segment, type SegmentationModel } from '../../src/segmentation';
import { cat, ids, num, table } from '../segmentation/tables';
import { Rng } from '../../src/segmentation/rng';
import { modelSelect } from '../../src/warehouse/sql-model/modelSelect';
import { doubleLiteral, parseDoubleLiteral, stringLiteral } from '../../src/warehouse/sql-model/literals';

const HOSTILE_COLUMN = 'we"ird -- col */';
const HOSTILE_VALUE = 'it\'s -- "x" */ \n;DROP TABLE t';

function fitted(): SegmentationModel {
  const rng = new Rng(7);
  const n = 300;
  const spend = Array.from({ length: n }, (_, i) => (i % 17 === 0 ? null : Math.round(rng.nextFloat() * 1e6) / 100 + (i % 3) * 1000));
  const visits = Array.from({ length: n }, (_, i) => (i % 3) * 10 + Math.floor(rng.nextFloat() * 5));
  const values = ['A', 'B', HOSTILE_VALUE, null];
  const country = Array.from({ length: n }, (_, i) => (i % 50 === 0 ? `rare${i}` : values[i % 4]));
  const member = Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 'yes' : 'no'));
  const t = table([ids(n, 'user id'), num(HOSTILE_COLUMN, spend, 'double'), num('visits', visits, 'bigint'), cat('country', country), cat('member', member)]);
  const { model } = segment(t, { userId: 'user id', k: 3, nInit: 1, sampleSize: 300, priority: { high: ['country'], low: ['visits'] } });
  return { ...model, segmentLabels: ["high 'spend'", 'new\nline -- label', '*/ "quoted"'] };
}

test('doubleLiteral prints exponent-form literals that parse back to the same double', () => {
  const rng = new Rng(3);
  const buf = new DataView(new ArrayBuffer(8));
  const samples = [0, -0, 0.1, 1 / 3, -2.5, 100, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1e21, 123456789012345680000, 2 ** 53 + 2, 1.2345678901234567e-5, -1e-7];
  for (let i = 0; i < 20000; i++) {
    buf.setUint32(0, Math.floor(rng.nextFloat() * 2 ** 32));
    buf.setUint32(4, Math.floor(rng.nextFloat() * 2 ** 32));
    const v = buf.getFloat64(0);
    if (Number.isFinite(v)) samples.push(v);
    samples.push((rng.nextFloat() - 0.5) * 10 ** Math.floor(rng.nextFloat() * 20 - 10));
  }
  for (const v of samples) {
    const lit = doubleLiteral(v);
    // Trino grammar: DIGIT+ ('.' DIGIT*)? 'E' [+-]? DIGIT+ is a DOUBLE (never a DECIMAL); negatives in parentheses
    assert.match(lit, /^(\(-)?\d+(\.\d+)?e[+-]?\d+\)?$/, `${v} -> ${lit}`);
    assert.ok(Object.is(parseDoubleLiteral(lit), v), `${v} -> ${lit} -> ${parseDoubleLiteral(lit)}`);
  }
  assert.equal(doubleLiteral(0.1), '0.1e0');
  assert.equal(doubleLiteral(-0), '(-0e0)');
  assert.equal(doubleLiteral(1.5e-7), '1.5e-7');
  assert.equal(doubleLiteral(0.00001), '0.00001e0');
  assert.equal(doubleLiteral(1e21), '1e+21');
  assert.throws(() => doubleLiteral(Infinity), RangeError);
  assert.throws(() => doubleLiteral(NaN), RangeError);
});

/** Decodes a literal made by stringLiteral (plain or U&). */
function decodeStringLiteral(lit: string): string {
  if (lit.startsWith("U&'")) {
    const body = lit.slice(3, -1).replace(/''/g, "'");
    return body.replace(/\\(\\|\+[0-9A-F]{6}|[0-9A-F]{4})/g, (_, e: string) => (e === '\\' ? '\\' : String.fromCodePoint(parseInt(e.replace('+', ''), 16))));
  }
  assert.ok(lit.startsWith("'") && lit.endsWith("'"));
  const body = lit.slice(1, -1);
  assert.ok(!/(^|[^'])'([^']|$)/.test(body.replace(/''/g, '')), 'no lone quote inside');
  return body.replace(/''/g, "'");
}

test('stringLiteral escapes quotes, and control characters through U& escapes', () => {
  for (const s of ['', 'plain', "it's", "''", HOSTILE_VALUE, 'tab\there', 'nul\u0000x', 'back\\slash\nnew', 'emoji 😀 and é', 'line\u2028sep']) {
    const lit = stringLiteral(s);
    assert.equal(decodeStringLiteral(lit), s, lit);
    assert.ok(!/[\u0000-\u001f\u2028\u2029]/.test(lit), `no raw control character in ${JSON.stringify(lit)}`);
  }
  assert.equal(stringLiteral("it's"), "'it''s'");
  assert.equal(stringLiteral('a\nb'), "U&'a\\000Ab'");
  assert.throws(() => stringLiteral('lone \ud800'), /surrogate/);
});

test('the SELECT has the four stages, the model numbers as exact literals, and quoted names', () => {
  const model = fitted();
  const sql = modelSelect(model, { table: 'memory.default.customers' });
  for (const cte of ['WITH autoseg_read AS (', 'autoseg_encoded AS (', 'autoseg_distance AS (', 'autoseg_segment AS (']) assert.ok(sql.includes(cte), cte);
  assert.ok(sql.includes('FROM "memory"."default"."customers"'));
  assert.ok(sql.includes('"we""ird -- col */" AS autoseg_r'), 'hostile column quoted with doubled quotes');
  assert.ok(sql.includes('"user id" AS autoseg_user_id') && sql.includes('autoseg_user_id AS "user id"'));
  assert.ok(sql.trimEnd().endsWith('FROM autoseg_segment'));
  assert.ok(!sql.trimEnd().endsWith(';'), 'no semicolon: the text can go into a view or a dbt model');

  // every centroid coordinate appears as its exact literal, in a squared difference
  const d = model.featureColumns.length;
  model.centroids.forEach((row, c) => {
    const line = sql.split('\n').findIndex((l) => l.includes(`AS autoseg_d${c}`));
    assert.ok(line > 0, `distance ${c}`);
    row.forEach((v, j) => {
      const t = `(autoseg_x${j} - ${doubleLiteral(v)})`;
      assert.ok(sql.includes(`${t} * ${t}`), `centroid ${c}, column ${j}`);
    });
  });
  // distances summed feature 0 first, left to right (the engine's order)
  const d0 = sql.slice(sql.indexOf('autoseg_distance AS ('), sql.indexOf('AS autoseg_d0'));
  const order = [...d0.matchAll(/\(autoseg_x(\d+) - /g)].map((m) => Number(m[1]));
  assert.deepEqual(order, Array.from({ length: d }, (_, j) => [j, j]).flat());

  // every double literal in the text parses back to a double (and is never a DECIMAL literal)
  const literals = sql.match(/\(-\d+(\.\d+)?e[+-]?\d+\)|\b\d+(\.\d+)?e[+-]?\d+\b/g) ?? [];
  assert.ok(literals.length > d * model.k);
  for (const lit of literals) assert.ok(Number.isFinite(parseDoubleLiteral(lit)), lit);
  assert.ok(!/[^\w.]\d+\.\d+(?![\d.]*e)/.test(sql.replace(/'[^']*'/g, "''")), 'no plain decimal literal');

  // the engine's tie rule: the lowest c with d_c <= every later d
  assert.ok(sql.includes('WHEN autoseg_d0 <= autoseg_d1 AND autoseg_d0 <= autoseg_d2 THEN 0'));
  assert.ok(sql.includes('WHEN autoseg_d1 <= autoseg_d2 THEN 1'));
  assert.ok(sql.includes('ELSE 2'));
  // a double column may hold NaN / Infinity: such rows get NULL (the engine refuses the table)
  assert.ok(sql.includes('COALESCE(is_finite(autoseg_r0), true)'));

  // hostile values and labels as literals
  assert.ok(sql.includes(stringLiteral(HOSTILE_VALUE)));
  assert.ok(sql.includes("WHEN 0 THEN 'high ''spend'''"));
  assert.ok(sql.includes("WHEN 1 THEN U&'new\\000Aline -- label'"));
  assert.ok(sql.includes(`WHEN 2 THEN '*/ "quoted"'`));
  // no line of the SQL outside string literals carries a raw comment opener from the data
  const outsideStrings = sql.replace(/U&'(?:[^']|'')*'|'(?:[^']|'')*'/g, "''").replace(/"(?:[^"]|"")*"/g, '""');
  assert.equal(outsideStrings.split('\n').filter((l) => l.includes('--')).length, 1, 'only the header comment');
  assert.ok(!outsideStrings.includes('/*') && !outsideStrings.includes('*/'));
});

test('options: user id, extra columns, no labels, a SQL source, column types from the source', () => {
  const model = fitted();
  const sql = modelSelect(
    model,
    { sql: 'SELECT * FROM t WHERE x > 0;' },
    { userId: 'uid', extraColumns: ['region'], labels: false, columnTypes: { 'USER ID': 'varchar', [HOSTILE_COLUMN]: 'decimal(12,2)', visits: 'date', country: 'varchar', member: 'boolean' } },
  );
  assert.ok(sql.includes('(\nSELECT * FROM t WHERE x > 0\n) AS autoseg_source'));
  assert.ok(sql.includes('"region" AS autoseg_extra0') && sql.includes('autoseg_extra0 AS "region"'));
  assert.ok(!sql.includes('segment_label'));
  assert.ok(sql.includes(`CAST(CAST("we""ird -- col */" AS varchar) AS double)`), 'decimal read through its text, as the engine parses it');
  assert.ok(sql.includes(`CAST(date_diff('day', DATE '1970-01-01', "visits") AS double)`));
  assert.ok(sql.includes('CAST("member" AS varchar)'));
  assert.ok(!sql.includes('is_finite'), 'a decimal column cannot hold NaN');
  assert.throws(() => modelSelect(model, { table: 't' }, { columnTypes: { country: 'varchar' } }), /no column/);
  assert.throws(() => modelSelect(model, { table: 't' }, { columnTypes: { [HOSTILE_COLUMN]: 'varchar', visits: 'bigint', country: 'varchar', member: 'varchar' } }), /trained on it as numeric/);
  assert.throws(() => modelSelect(model, { table: 't' }, { extraColumns: ['Segment'] }), /two columns named/);
  assert.throws(() => modelSelect(model, { sql: 'DROP TABLE t' }), /single SELECT/);
  assert.throws(() => modelSelect(model, { table: 'a.b"c' }), /plain identifier/);
  assert.throws(() => modelSelect(model, {}), /exactly one/);
});

test('a bad model is refused before any SQL', () => {
  const model = fitted();
  assert.throws(() => modelSelect({ ...model, format: 'x' }, { table: 't' }), /format/);
  assert.throws(() => modelSelect({ ...model, centroids: model.centroids.slice(1) }, { table: 't' }), /centroids/);
  assert.throws(() => modelSelect({ ...model, weights: model.weights.map(() => NaN) }, { table: 't' }), /weight/);
  const cols = model.dictionary.columns.map((e) => (e.treatment === 'continuous' ? { ...e, columns: [99] } : e));
  assert.throws(() => modelSelect({ ...model, dictionary: { ...model.dictionary, columns: cols } }, { table: 't' }), /matrix column/);
});
