/**
 * The run write-back API against the real Trino that `npm test` starts: outcomes, cancellation
 * (staging, lock wait, a running query cancelled on the server), the lock, the pre-flight
 * checkWritable, and credentials kept out of error messages.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { queryRows, trinoUrl } from '../helpers/trino';
import { SupersededRunError } from '../../src/warehouse/errors';
import { TrinoWarehouse, WarehouseInputError, WarehouseUnavailableError } from '../../src/warehouse';
import { TrinoConnection, resolveTrinoConfig } from '../../src/warehouse/trino-connection';
import { runOutputs, writeLeftovers, type TestRun } from '../helpers/runOutputs';
import { runTag } from '../../src/warehouse/identifiers';

type Run = TestRun;
const wh = (extra: { maxStatementChars?: number } = {}): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), catalog: 'memory', schema: 'default', ...extra });
const unique = (prefix: string): string => `${prefix}_${process.pid}_${Date.now() % 1_000_000}`;

async function pair(target: string): Promise<[number, unknown, unknown]> {
  const [[n, run]] = await queryRows(`SELECT count(*), max(run_id) FROM memory.default.${target}`);
  const [[model]] = await queryRows(`SELECT run_id FROM memory.default.${target}_model`);
  return [Number(n), run, model];
}

async function dropPair(target: string): Promise<void> {
  await queryRows(`DROP TABLE IF EXISTS memory.default.${target}`);
  await queryRows(`DROP TABLE IF EXISTS memory.default.${target}_model`);
}

const r1: Run = { runId: 'rw-run-1', start: new Date('2026-05-01T01:00:00.123Z'), rows: 120 };
const r2: Run = { runId: 'rw-run-2', start: new Date('2026-05-02T01:00:00.456Z'), rows: 150 };

test('outcomes: created, unchanged on a retry, replaced by a newer run; an older run is superseded, not bad input', async () => {
  const target = unique('rw');
  assert.deepEqual(await wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start }), { outcome: 'created', strategy: 'rename', rowCount: 120 });
  assert.equal((await wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start })).outcome, 'unchanged');
  assert.equal((await wh().writeRunOutputs(runOutputs(target, r2), { runId: r2.runId, runStartedAt: r2.start })).outcome, 'replaced');
  assert.deepEqual(await pair(target), [150, r2.runId, r2.runId]);
  const [[created]] = await queryRows(`SELECT CAST(max(created_at) AS varchar) FROM memory.default.${target}_model`);
  assert.equal(created, '2026-05-02 01:00:00.456');
  await assert.rejects(wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start }), (e) => {
    assert.ok(e instanceof SupersededRunError && !(e instanceof WarehouseInputError));
    assert.match(e.message, new RegExp(`${target}.*${r2.runId}.*2026-05-02T01:00:00.456Z`));
    assert.match(e.message, /2026-05-01T01:00:00.123Z/);
    return true;
  });
  assert.deepEqual(await pair(target), [150, r2.runId, r2.runId]);
  assert.deepEqual(await writeLeftovers(target), []);
  await dropPair(target);
});

test('a write cancelled during its inserts leaves the old pair untouched; cleanupRun drops its staging', async () => {
  const target = unique('cancel');
  await wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start });
  const big: Run = { ...r2, rows: 20_000 };
  const controller = new AbortController();
  let abortedAt = 0;
  const t0 = Date.now();
  await assert.rejects(
    wh({ maxStatementChars: 30_000 }).writeRunOutputs(runOutputs(target, big), {
      runId: big.runId,
      runStartedAt: big.start,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.rowsWritten > 0 && !controller.signal.aborted) {
          abortedAt = Date.now();
          controller.abort();
        }
      },
    }),
    (e: Error) => e.name === 'AbortError',
  );
  assert.ok(abortedAt > 0, 'aborted during the inserts');
  assert.ok(Date.now() - abortedAt < 3000, `rejected ${Date.now() - abortedAt} ms after the abort (write started ${abortedAt - t0} ms before)`);
  assert.deepEqual(await pair(target), [120, r1.runId, r1.runId], 'the old pair is untouched');
  await wh().cleanupRun({ segments: target, model: `${target}_model` }, big.runId);
  assert.deepEqual(await writeLeftovers(target), []);
  assert.deepEqual(await pair(target), [120, r1.runId, r1.runId]);
  await dropPair(target);
});

test('an aborted statement is cancelled on the server, and rejects at once with an AbortError', async () => {
  const conn = new TrinoConnection(resolveTrinoConfig({ server: trinoUrl() }));
  const marker = `abort_probe_${process.pid}_${Date.now()}`;
  const sql = `SELECT sum(quantity), '${marker}' FROM tpch.sf100.lineitem`;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 700);
  const t0 = Date.now();
  await assert.rejects(conn.execute(sql, undefined, controller.signal), (e: Error) => e.name === 'AbortError');
  assert.ok(Date.now() - t0 < 2500, `rejected after ${Date.now() - t0} ms`);
  let state: unknown;
  for (let i = 0; i < 40; i++) {
    [[state]] = await queryRows(`SELECT state FROM system.runtime.queries WHERE query = '${sql.replace(/'/g, "''")}'`);
    if (state === 'FAILED' || state === 'FINISHED') break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(state, 'FAILED', 'the query was cancelled on the server');
});

test('the output lock: a run waits for the holder, heartbeating; gives up after lockWaitMs; honours cancellation', async () => {
  const target = unique('lock');
  await queryRows(
    `CREATE TABLE memory.default.${target}__autoseg_lock AS SELECT 'someone-else' AS run_id, TIMESTAMP '2026-05-01 00:00:00.000' AS run_started_at, CAST(current_timestamp AT TIME ZONE 'UTC' AS timestamp(3)) AS acquired_at`,
  );
  const waits: string[] = [];
  await assert.rejects(
    wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start, lockWaitMs: 600, lockPollMs: 100, onProgress: (p) => void waits.push(p.step) }),
    (e: Error) => e instanceof WarehouseUnavailableError && /someone-else/.test(e.message),
  );
  assert.ok(
    waits.some((s) => /waiting for run someone-else .*started 2026-05-01 00:00:00.000 UTC/.test(s)),
    JSON.stringify(waits),
  );
  const controller = new AbortController();
  const pending = wh().writeRunOutputs(runOutputs(target, r1), {
    runId: r1.runId,
    runStartedAt: r1.start,
    lockPollMs: 100,
    signal: controller.signal,
    onProgress: (p) => {
      if (/waiting for run/.test(p.step)) controller.abort();
    },
  });
  await assert.rejects(pending, (e: Error) => e.name === 'AbortError');
  assert.deepEqual(await writeLeftovers(target), [`${target}__autoseg_lock`], "staging dropped; the other run's lock untouched");
  // Released: the same run now goes through.
  await queryRows(`DROP TABLE memory.default.${target}__autoseg_lock`);
  assert.equal((await wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start })).outcome, 'created');
  assert.deepEqual(await writeLeftovers(target), []);
  await dropPair(target);
});

test("a dead run's lock is broken after its lease, and its half-done swap is rolled back before the next run writes", async () => {
  const target = unique('dead');
  const t = `memory.default.${target}`;
  await wh().writeRunOutputs(runOutputs(target, r1), { runId: r1.runId, runStartedAt: r1.start });
  // Run X died between its segments swap and its model swap, two hours ago, holding the lock.
  const x = runTag('dead-run-x');
  await queryRows(`ALTER TABLE ${t} RENAME TO ${t}__old_${x}`);
  await queryRows(`CREATE TABLE ${t} AS SELECT custkey, segment_label, 'dead-run-x' AS run_id, created_at FROM ${t}__old_${x} WHERE custkey < 7`);
  await queryRows(
    `CREATE TABLE ${t}__autoseg_lock AS SELECT 'dead-run-x' AS run_id, TIMESTAMP '2026-05-01 00:00:00.000' AS run_started_at, CAST(current_timestamp AT TIME ZONE 'UTC' AS timestamp(3)) - INTERVAL '2' HOUR AS acquired_at`,
  );
  assert.equal((await wh().writeRunOutputs(runOutputs(target, r2), { runId: r2.runId, runStartedAt: r2.start, lockPollMs: 100 })).outcome, 'replaced');
  assert.deepEqual(await pair(target), [150, r2.runId, r2.runId]);
  assert.deepEqual(await writeLeftovers(target), []);
  await dropPair(target);
});

test('checkWritable: a read-only catalog, a missing schema and a bad name are refused in seconds; a good target passes', async () => {
  const w = wh();
  const timed = async (f: () => Promise<void>): Promise<void> => {
    const t0 = Date.now();
    await f();
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  };
  await timed(() =>
    assert.rejects(w.checkWritable('tpch.tiny.segments'), (e) => {
      assert.ok(e instanceof WarehouseInputError);
      assert.match(e.message, /tpch\.tiny\.segments.*catalog tpch does not accept CREATE TABLE.*writable catalog/);
      return true;
    }),
  );
  await timed(() =>
    assert.rejects(w.checkWritable('memory.no_such_schema.segments'), (e) => {
      assert.ok(e instanceof WarehouseInputError && e.code === 'SCHEMA_NOT_FOUND');
      assert.match(e.message, /memory\.no_such_schema\.segments.*schema memory\.no_such_schema does not exist.*CREATE SCHEMA/);
      return true;
    }),
  );
  await timed(() => assert.rejects(w.checkWritable('nocatalog.x.segments'), (e) => e instanceof WarehouseInputError && e.code === 'CATALOG_NOT_FOUND' && /nocatalog/.test(e.message)));
  await timed(() => assert.rejects(w.checkWritable('memory.default.seg$ments'), (e) => e instanceof WarehouseInputError && e.code === 'INVALID_IDENTIFIER' && /seg\$ments/.test(e.message)));
  const target = unique('writable');
  await timed(() => w.checkWritable(`memory.default.${target}`));
  await timed(() => w.checkWritable(target));
  assert.deepEqual(await writeLeftovers(target), [], 'the probe table is dropped');
});

test('credentials in TRINO_URL: used as the user name, never shown in an error message', async () => {
  const planted = 'pl4nted-S3cret-value';
  const port = await new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const w = new TrinoWarehouse({ server: `http://autoseg:${planted}@127.0.0.1:${port}`, catalog: 'memory', schema: 'default' });
  for (const attempt of [() => w.describe({ kind: 'table', table: 'x' }), () => w.checkWritable('x'), () => w.writeRunOutputs(runOutputs('x', r1), { runId: r1.runId, runStartedAt: r1.start })]) {
    await assert.rejects(attempt(), (e: Error) => {
      assert.ok(e instanceof WarehouseUnavailableError, String(e));
      assert.match(e.message, new RegExp(`Trino at http://127\\.0\\.0\\.1:${port} is unavailable`));
      for (const text of [e.message, e.stack ?? '', String((e.cause as Error | undefined)?.message)]) assert.ok(!text.includes(planted), text);
      return true;
    });
  }
  // Over http, the password is dropped (Trino refuses passwords without TLS) and the URL's user is used.
  const url = new URL(trinoUrl());
  url.username = 'url-user';
  url.password = planted;
  const conn = new TrinoConnection(resolveTrinoConfig({ server: url.toString() }));
  assert.equal(conn.config.server.includes(planted), false);
  assert.deepEqual((await conn.execute('SELECT current_user')).rows, [['url-user']]);
});
