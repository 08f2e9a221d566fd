/**
 * Two runs writing the same iceberg output at the same time (the lock table, its reads racing
 * its drop, and the fence on Iceberg's file metastore): the newer run's complete pair wins, the
 * older run finished first (then replaced) or is superseded; nothing is left behind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { SupersededRunError } from '../../src/warehouse/errors';
import { TrinoWarehouse } from '../../src/warehouse';
import { runOutputs, type TestRun } from '../helpers/runOutputs';

const SCHEMA = 'iceberg.autoseg_test';
const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), catalog: 'iceberg', schema: 'autoseg_test' });
const delay = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// On Iceberg the losing CREATE TABLE of the lock fails at commit (ICEBERG_COMMIT_ERROR "Table
// already exists"), not at analysis as on the memory connector: the lock must treat it as taken.
test('iceberg: two concurrent writers of one output, the newer run wins as a complete pair', async (t) => {
  await queryRows(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA}`);
  const outcomes: string[] = [];
  for (let trial = 0; trial < 2; trial++) {
    const target = `ice_conc_${process.pid}_${trial}_${Date.now() % 100_000}`;
    const older: TestRun = { runId: `ice-older-${trial}`, start: new Date(Date.UTC(2026, 3, 1, 2, 0, 0, 0)), rows: 300 + trial };
    const newer: TestRun = { runId: `ice-newer-${trial}`, start: new Date(older.start.getTime() + 60_000), rows: 500 + trial };
    const [o, n] = await Promise.allSettled([
      (async () => {
        if (trial === 1) await delay(150);
        return wh().writeRunOutputs(runOutputs(target, older), { runId: older.runId, runStartedAt: older.start, lockPollMs: 100 });
      })(),
      (async () => {
        if (trial === 0) await delay(150);
        return wh().writeRunOutputs(runOutputs(target, newer), { runId: newer.runId, runStartedAt: newer.start, lockPollMs: 100 });
      })(),
    ]);
    assert.equal(n.status, 'fulfilled', `trial ${trial}: the newer run failed: ${n.status === 'rejected' ? String(n.reason) : ''}`);
    if (o.status === 'rejected') {
      assert.ok(o.reason instanceof SupersededRunError, `trial ${trial}: the older run failed with ${String(o.reason)}`);
      outcomes.push('superseded');
    } else {
      outcomes.push(`older ${o.value.outcome}, then replaced`);
    }
    const [[rows, lo, hi]] = await queryRows(`SELECT count(*), min(run_id), max(run_id) FROM ${SCHEMA}.${target}`);
    assert.deepEqual([Number(rows), lo, hi], [newer.rows, newer.runId, newer.runId], `trial ${trial}: segments`);
    assert.deepEqual(await queryRows(`SELECT run_id FROM ${SCHEMA}.${target}_model`), [[newer.runId]], `trial ${trial}: model`);
    const left = await queryRows(
      `SELECT table_name FROM iceberg.information_schema.tables WHERE table_schema = 'autoseg_test' AND table_name LIKE '${target}%' AND table_name NOT IN ('${target}', '${target}_model')`,
    );
    assert.deepEqual(left, [], `trial ${trial}: leftovers`);
    await queryRows(`DROP TABLE ${SCHEMA}.${target}`);
    await queryRows(`DROP TABLE ${SCHEMA}.${target}_model`);
  }
  t.diagnostic(`outcomes: ${outcomes.join('; ')}`);
});
