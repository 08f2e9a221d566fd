/**
 * Against the real Trino that `npm test` starts (TRINO_URL): catalogs tpch and memory.
 */
import { test } from 'node:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { runTag } from '../../src/warehouse/identifiers';
import { TrinoWarehouse, resolveTrinoConfig, WarehouseInputError, WarehouseUnavailableError, isRetryableWarehouseError, type OutputTable } from '../../src/warehouse';

const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
const unique = (prefix: string): string => `${prefix}_${process.pid}_${Date.now()}`;

function segmentTable(ids: readonly string[], segmentOffset: number): OutputTable {
  const n = ids.length;
  return {
    rowCount: n,
    columns: [
      { name: 'custkey', sqlType: 'bigint', values: ids },
      { name: 'segment', sqlType: 'integer', values: Array.from({ length: n }, (_, i) => (i + segmentOffset) % 4) },
      { name: 'segment_label', sqlType: 'varchar', values: Array.from({ length: n }, (_, i) => `it's segment ${(i + segmentOffset) % 4}`) },
      { name: 'run_id', sqlType: 'varchar', values: new Array<string>(n).fill(`run-${segmentOffset}`) },
      { name: 'created_at', sqlType: 'timestamp(3)', values: new Array<Date>(n).fill(new Date('2026-01-02T03:04:05.678Z')) },
    ],
  };
}

test('tpch.tiny.customer scans into a ColumnarTable with the right kinds and values, in pages', async () => {
  const w = wh();
  const cols = await w.describe({ kind: 'table', table: 'tpch.tiny.customer' });
  assert.deepEqual(
    cols.map((c) => [c.name, c.kind]),
    [
      ['custkey', 'numeric'],
      ['name', 'categorical'],
      ['address', 'categorical'],
      ['nationkey', 'numeric'],
      ['phone', 'categorical'],
      ['acctbal', 'numeric'],
      ['mktsegment', 'categorical'],
      ['comment', 'categorical'],
    ],
  );
  const progress: number[] = [];
  const t = await w.scan({ kind: 'table', table: 'tpch.tiny.customer' }, { userId: 'custkey', onBatch: (p) => void progress.push(p.rowsRead) });
  assert.equal(t.rowCount, 1500);
  assert.equal(t.name, 'tpch.tiny.customer');
  assert.ok(progress.length >= 1 && progress[progress.length - 1] === 1500, 'a heartbeat per page, the last at 1500 rows');
  const byName = new Map(t.columns.map((c) => [c.name, c]));
  const id = byName.get('custkey')!;
  assert.equal(id.kind, 'categorical', 'the user id arrives as exact strings');
  assert.equal(id.sourceType, 'bigint');
  const row = (id.values as string[]).indexOf('1');
  assert.ok(row >= 0);
  const [expected] = await queryRows('SELECT name, nationkey, acctbal, mktsegment FROM tpch.tiny.customer WHERE custkey = 1');
  const name = byName.get('name')!;
  const nation = byName.get('nationkey')!;
  const acctbal = byName.get('acctbal')!;
  const seg = byName.get('mktsegment')!;
  assert.ok(name.kind === 'categorical' && nation.kind === 'numeric' && acctbal.kind === 'numeric' && seg.kind === 'categorical');
  assert.equal(name.values[row], expected[0]);
  assert.equal(nation.values[row], expected[1]);
  assert.equal(acctbal.values[row], expected[2]);
  assert.equal(seg.values[row], expected[3]);
  assert.ok(acctbal.values instanceof Float64Array && acctbal.nulls.every((x) => x === 0));
});

test('a SELECT source: dates, timestamps, decimals, booleans, nulls and BIGINT ids above 2^53 stay exact', async () => {
  const t = await wh().scan(
    {
      kind: 'sql',
      sql: `SELECT * FROM (VALUES
        (CAST(9007199254740993 AS bigint), DATE '1970-01-11', TIMESTAMP '1970-01-02 12:00:00.000', DECIMAL '12.34', true, CAST('ab' AS varchar), ARRAY[1, 2]),
        (CAST(-9223372036854775808 AS bigint), NULL, NULL, NULL, false, NULL, NULL)
      ) AS t(id, d, ts, dec, flag, txt, arr)`,
    },
    { userId: 'id' },
  );
  const [id, d, ts, dec, flag, txt, arr] = t.columns;
  assert.deepEqual(id.values, ['9007199254740993', '-9223372036854775808']);
  assert.ok(d.kind === 'numeric' && ts.kind === 'numeric' && dec.kind === 'numeric');
  assert.deepEqual([d.values[0], d.nulls[0], d.nulls[1], d.sourceType], [10, 0, 1, 'date']);
  assert.equal(ts.values[0], 1.5);
  assert.equal(dec.values[0], 12.34);
  assert.deepEqual(flag.values, ['true', 'false']);
  assert.deepEqual(txt.values, ['ab', null]);
  assert.deepEqual(arr.values, ['[1,2]', null]);
});

test('BIGINT ids above 2^53 survive a write and read round trip exactly', async () => {
  const w = wh();
  const target = unique('ids');
  const ids = ['9007199254740993', '9223372036854775807', '-9223372036854775808', '1'];
  const r = await w.writeTable(target, segmentTable(ids, 0), { runId: 'round-trip' });
  assert.equal(r.outcome, 'created');
  const rows = await queryRows(`SELECT CAST(custkey AS varchar), segment_label, CAST(created_at AS varchar) FROM memory.default.${target} ORDER BY custkey`);
  assert.deepEqual(
    rows.map((r) => r[0]),
    ['-9223372036854775808', '1', '9007199254740993', '9223372036854775807'],
  );
  assert.equal(rows[0][1], "it's segment 2");
  assert.equal(rows[0][2], '2026-01-02 03:04:05.678');
  const back = await w.scan({ kind: 'table', table: target }, { userId: 'custkey' });
  assert.deepEqual([...(back.columns[0].values as string[])].sort(), [...ids].sort());
  await queryRows(`DROP TABLE memory.default.${target}`);
});

test('write-back is idempotent: a retry of the same run converges, a stale staging table is replaced', async () => {
  const w = wh();
  const target = unique('idem');
  const ids = Array.from({ length: 3000 }, (_, i) => String(10_000_000_000_000_000n + BigInt(i)));
  const data = segmentTable(ids, 1);
  // A crashed attempt of this run left a half-written staging table behind.
  await queryRows(`CREATE TABLE memory.default.${target}__stage_${runTag('run-x')} AS SELECT 1 AS junk`);
  assert.equal((await w.writeTable(target, data, { runId: 'run-x' })).outcome, 'created');
  const again = await w.writeTable(target, data, { runId: 'run-x' });
  assert.equal(again.outcome, 'unchanged', 'the retry finds the target already equal and changes nothing');
  const [[n, distinct]] = await queryRows(`SELECT count(*), count(DISTINCT custkey) FROM memory.default.${target}`);
  assert.deepEqual([n, distinct], [3000, 3000]);
  const leftovers = await queryRows(`SELECT table_name FROM memory.information_schema.tables WHERE table_schema = 'default' AND table_name LIKE '${target}\\_\\_%' ESCAPE '\\'`);
  assert.deepEqual(leftovers, [], 'no staging or old tables left behind');
  await queryRows(`DROP TABLE memory.default.${target}`);
});

test('atomic replace: a reader polling the target sees the old or the new row count, never another', async (t) => {
  const w = wh();
  const target = unique('swap');
  const oldIds = Array.from({ length: 1000 }, (_, i) => String(i));
  const newIds = Array.from({ length: 10_000 }, (_, i) => String(i + 5_000_000));
  await w.writeTable(target, segmentTable(oldIds, 0), { runId: 'old-run' });
  let stop = false;
  const counts = new Map<number, number>();
  let missing = 0;
  const reader = (async () => {
    while (!stop) {
      try {
        const [[c]] = await queryRows(`SELECT count(*) FROM memory.default.${target}`);
        counts.set(Number(c), (counts.get(Number(c)) ?? 0) + 1);
      } catch (err) {
        // Rename-swap (the memory connector has no CREATE OR REPLACE TABLE): the target is
        // briefly absent between the two renames. Absent is allowed; partial is not.
        if (!/does not exist/.test(String(err))) throw err;
        missing++;
      }
    }
  })();
  const result = await w.writeTable(target, segmentTable(newIds, 2), { runId: 'new-run' });
  // Keep polling a moment after the swap so the new count is observed.
  await new Promise((r) => setTimeout(r, 300));
  stop = true;
  await reader;
  assert.equal(result.outcome, 'replaced');
  assert.equal(result.strategy, 'rename', 'the memory connector reports NOT_SUPPORTED for CREATE OR REPLACE TABLE');
  for (const c of counts.keys()) assert.ok(c === 1000 || c === 10_000, `reader saw ${c} rows`);
  assert.ok(counts.has(1000) && counts.has(10_000), `reader saw both versions: ${JSON.stringify([...counts])}`);
  t.diagnostic(`polls: ${JSON.stringify([...counts])}, target absent in ${missing}`);
  assert.ok(missing <= 3, `target absent in ${missing} polls`);
  const [[n, lo]] = await queryRows(`SELECT count(*), min(custkey) FROM memory.default.${target}`);
  assert.deepEqual([n, lo], [10_000, 5_000_000]);
  await queryRows(`DROP TABLE memory.default.${target}`);
});

test('missing table and missing column are typed, non-retryable errors naming them', async () => {
  const w = wh();
  await assert.rejects(w.scan({ kind: 'table', table: 'memory.default.no_such_table' }), (e) => {
    assert.ok(e instanceof WarehouseInputError);
    assert.equal(e.code, 'TABLE_NOT_FOUND');
    assert.equal(e.details.table, 'memory.default.no_such_table');
    assert.equal(isRetryableWarehouseError(e), false);
    return true;
  });
  await assert.rejects(w.scan({ kind: 'table', table: 'tpch.tiny.customer' }, { userId: 'customer_id' }), (e) => {
    assert.ok(e instanceof WarehouseInputError);
    assert.equal(e.code, 'COLUMN_NOT_FOUND');
    assert.deepEqual(e.details, { table: 'tpch.tiny.customer', column: 'customer_id' });
    assert.match(e.message, /customer_id.*tpch\.tiny\.customer/);
    return true;
  });
  await assert.rejects(w.scan({ kind: 'sql', sql: 'SELECT nope FROM tpch.tiny.nation' }), (e) => e instanceof WarehouseInputError && e.code === 'COLUMN_NOT_FOUND');
  await assert.rejects(w.scan({ kind: 'table', table: 'nocatalog.x.y' }), (e) => e instanceof WarehouseInputError && e.code === 'CATALOG_NOT_FOUND');
});

test('per-statement session properties reach Trino; one this server does not know is dropped, not an error', async () => {
  const w = wh();
  try {
    const sql = 'SELECT count(DISTINCT name), count(DISTINCT phone) FROM tpch.sf1.customer';
    const session = { distinct_aggregations_strategy: 'split_to_subqueries' };
    const plain = await w.connection.execute(sql);
    const split = await w.connection.execute(sql, undefined, undefined, session);
    assert.deepEqual(split.rows, plain.rows);
    // The property is applied: it changes the plan, for this statement only.
    const plan = async (s?: Record<string, string>): Promise<string> => String((await w.connection.execute(`EXPLAIN ${sql}`, undefined, undefined, s)).rows[0][0]);
    const [planDefault, planSplit] = [await plan(), await plan(session)];
    assert.notEqual(planSplit, planDefault);
    assert.equal(await plan(), planDefault);
    // An unknown property (as on an older Trino) is refused before execution: the statement runs without it.
    const unknown = await w.connection.execute(sql, undefined, undefined, { autoseg_no_such_property: 'x' });
    assert.deepEqual(unknown.rows, plain.rows);
  } finally {
    await w.close();
  }
});

test('SQL injection in table and column names is rejected before any SQL runs', async () => {
  const w = wh();
  const victim = unique('victim');
  await queryRows(`CREATE TABLE memory.default.${victim} AS SELECT 1 AS x`);
  const bad = [`tpch.tiny.customer; DROP TABLE memory.default.${victim}`, `tpch.tiny."customer"`, 'tpch.tiny.customer--', "x' OR '1'='1", 'a.b.c.d', ''];
  for (const table of bad) {
    await assert.rejects(w.scan({ kind: 'table', table }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER', table);
  }
  for (const userId of [`custkey" FROM x; DROP TABLE ${victim} --`, 'custkey;', 'cust key', '1abc']) {
    await assert.rejects(w.scan({ kind: 'table', table: 'tpch.tiny.customer' }, { userId }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER', userId);
  }
  const out = segmentTable(['1'], 0);
  await assert.rejects(w.writeTable(`${victim}; DROP TABLE ${victim}`, out, { runId: 'r' }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER');
  await assert.rejects(
    w.writeTable(unique('t'), { rowCount: 1, columns: [{ name: 'x', sqlType: 'varchar) ; DROP TABLE y; --', values: ['1'] }] }, { runId: 'r' }),
    (e) => e instanceof WarehouseInputError && e.code === 'INVALID_TYPE',
  );
  await assert.rejects(w.scan({ kind: 'sql', sql: `DROP TABLE memory.default.${victim}` }), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_SQL');
  await assert.rejects(w.scan({ kind: 'sql', sql: `SELECT 1) AS s; DROP TABLE memory.default.${victim}; SELECT (1` }), (e) => e instanceof WarehouseInputError);
  assert.deepEqual(await queryRows(`SELECT x FROM memory.default.${victim}`), [[1]], 'the victim table is untouched');
  await queryRows(`DROP TABLE memory.default.${victim}`);
});

test('an unreachable server is a retryable WarehouseUnavailableError', async () => {
  const w = new TrinoWarehouse({ server: 'http://127.0.0.1:1', catalog: 'memory', schema: 'default' });
  await assert.rejects(w.describe({ kind: 'table', table: 'x' }), (e) => e instanceof WarehouseUnavailableError && isRetryableWarehouseError(e));
});

test('Trino TLS from the environment: a CA file to trust, an insecure flag for tests, a clear error for a missing file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-trino-tls-'));
  try {
    const pem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
    writeFileSync(join(dir, 'ca.pem'), pem);
    assert.equal(resolveTrinoConfig({}, { TRINO_URL: 'https://h:1' }).ssl, undefined);
    assert.equal(String((resolveTrinoConfig({}, { TRINO_URL: 'https://h:1', TRINO_CA_CERT_PATH: join(dir, 'ca.pem') }).ssl as { ca: Buffer }).ca), pem);
    assert.deepEqual(resolveTrinoConfig({}, { TRINO_URL: 'https://h:1', TRINO_TLS_INSECURE: 'true' }).ssl, { rejectUnauthorized: false });
    assert.throws(
      () => resolveTrinoConfig({}, { TRINO_CA_CERT_PATH: join(dir, 'missing.pem') }),
      (e) => e instanceof WarehouseInputError && /TRINO_CA_CERT_PATH .*missing\.pem cannot be read \(ENOENT\)/.test(e.message),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('config falls back to TRINO_* env', () => {
  const c = resolveTrinoConfig({ schema: 's' }, { TRINO_URL: 'https://h:1', TRINO_USER: 'u', TRINO_CATALOG: 'c', TRINO_SCHEMA: 'x', TRINO_PASSWORD: 'p' });
  assert.deepEqual([c.server, c.user, c.catalog, c.schema, c.password, c.replaceStrategy], ['https://h:1', 'u', 'c', 's', 'p', 'auto']);
});
