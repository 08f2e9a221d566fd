/**
 * A scan split into concurrent queries over hash ranges of the user id (TRINO_SCAN_STREAMS):
 * every row read exactly once (a NULL id included), the same rows as one query, and a failing
 * page handler (a cancelled run) cancels every stream's query.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, runningQueries, trinoUrl } from '../helpers/trino';
import { TrinoWarehouse } from '../../src/warehouse';
import { resolveTrinoConfig } from '../../src/warehouse/trino-connection';
import { readColumn } from '../../src/segmentation/table';

const warehouse = (scanStreams: number): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default', scanStreams });

/** Every row of the scanned table as text, sorted: a multiset to compare. */
async function scanRows(w: TrinoWarehouse, table: string, userId: string): Promise<string[]> {
  const t = await w.scan({ kind: 'table', table }, { userId });
  const cols = t.columns.map(readColumn);
  const rows: string[] = [];
  for (let i = 0; i < t.rowCount; i++) {
    rows.push(JSON.stringify(cols.map((c) => (c.kind === 'categorical' ? c.values[i] : c.nulls[i] ? null : c.values[i]))));
  }
  return rows.sort();
}

test('3 streams read every row once, a NULL id too: the same rows as one query', async () => {
  const table = `scan_streams_${process.pid}`;
  await queryRows(`DROP TABLE IF EXISTS memory.default.${table}`);
  await queryRows(
    `CREATE TABLE memory.default.${table} AS SELECT CASE WHEN n = 7 THEN NULL WHEN n = 8 THEN 'o''brien' ELSE 'id-' || CAST(n AS varchar) END AS uid, n * 0.5e0 AS spend, CAST(n % 3 AS varchar) AS tier FROM UNNEST(sequence(1, 500)) AS t(n)`,
  );
  try {
    const one = await scanRows(warehouse(1), table, 'uid');
    const three = await scanRows(warehouse(3), table, 'uid');
    assert.equal(one.length, 500);
    assert.deepEqual(three, one);
    assert.equal(three.filter((r) => r.startsWith('[null,')).length, 1, 'the NULL id is read exactly once');
  } finally {
    await queryRows(`DROP TABLE IF EXISTS memory.default.${table}`);
  }
});

test('a page handler that throws (the run was cancelled) cancels every stream and its error is the one rethrown', async () => {
  const stop = new Error('cancelled by the test');
  const w = new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', scanStreams: 3 });
  await assert.rejects(
    w.scan(
      { kind: 'table', table: 'tpch.sf1.customer' },
      {
        userId: 'custkey',
        onBatch: () => {
          throw stop;
        },
      },
    ),
    (err) => err === stop,
  );
  // The other streams' queries are cancelled on the server, not left to run to the end.
  let left = await runningQueries('%autoseg\\_scan%');
  for (let i = 0; i < 50 && left.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 200));
    left = await runningQueries('%autoseg\\_scan%');
  }
  assert.deepEqual(left, []);
});

test('TRINO_SCAN_STREAMS: 1 by default, a whole number from 1 to 16 or a clear error', () => {
  assert.equal(resolveTrinoConfig({}, {}).scanStreams, 1);
  assert.equal(resolveTrinoConfig({}, { TRINO_SCAN_STREAMS: '4' }).scanStreams, 4);
  for (const bad of ['0', '17', '2.5', 'two']) assert.throws(() => resolveTrinoConfig({}, { TRINO_SCAN_STREAMS: bad }), /TRINO_SCAN_STREAMS must be a whole number from 1 to 16/);
});
