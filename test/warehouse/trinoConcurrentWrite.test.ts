/**
 * Two runs writing the same output table at the same time, against the real Trino (memory
 * catalog). Whatever the interleaving, the end state is exactly the newer run's complete pair;
 * the older run either finished first (and was then replaced) or failed with SupersededRunError,
 * never with an input error; no staging, old or lock table is left.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { SupersededRunError } from '../../src/warehouse/errors';
import { TrinoWarehouse, WarehouseInputError } from '../../src/warehouse';
import { runOutputs, writeLeftovers, type TestRun } from '../helpers/runOutputs';

type Run = TestRun;

const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), catalog: 'memory', schema: 'default' });

test('two concurrent writers of one output: the newer run wins as a complete pair, the older one is superseded or replaced', async (t) => {
  const started = Date.now();
  const outcomes: string[] = [];
  for (let trial = 0; trial < 4; trial++) {
    const target = `conc_${process.pid}_${trial}_${Date.now() % 100_000}`;
    const older: Run = { runId: `older-${trial}`, start: new Date(Date.UTC(2026, 3, 1, 2, 0, 0, 0)), rows: 300 + trial };
    // Trial 3: equal start times, the larger run id is the newer run.
    const newer: Run = { runId: `zz-newer-${trial}`, start: new Date(older.start.getTime() + (trial === 3 ? 0 : 60_000)), rows: 500 + trial };
    // Vary who starts first: the older run gets a head start in even trials.
    const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const [o, n] = await Promise.allSettled([
      (async () => {
        if (trial % 2 === 1) await delay(150);
        return wh().writeRunOutputs(runOutputs(target, older), { runId: older.runId, runStartedAt: older.start, lockPollMs: 100 });
      })(),
      (async () => {
        if (trial % 2 === 0) await delay(150);
        return wh().writeRunOutputs(runOutputs(target, newer), { runId: newer.runId, runStartedAt: newer.start, lockPollMs: 100 });
      })(),
    ]);
    assert.equal(n.status, 'fulfilled', `trial ${trial}: the newer run failed: ${n.status === 'rejected' ? String(n.reason) : ''}`);
    if (o.status === 'rejected') {
      assert.ok(o.reason instanceof SupersededRunError, `trial ${trial}: the older run failed with ${String(o.reason)}`);
      assert.ok(!(o.reason instanceof WarehouseInputError));
      assert.equal(o.reason.name, 'SupersededRunError');
      assert.equal(o.reason.retryable, false);
      assert.match(o.reason.message, new RegExp(`${target}.*${newer.runId}`));
      outcomes.push('superseded');
    } else {
      outcomes.push(`older ${o.value.outcome}, then replaced`);
    }
    const [[rows, lo, hi]] = await queryRows(`SELECT count(*), min(run_id), max(run_id) FROM memory.default.${target}`);
    assert.deepEqual([Number(rows), lo, hi], [newer.rows, newer.runId, newer.runId], `trial ${trial}: segments`);
    assert.deepEqual(await queryRows(`SELECT run_id FROM memory.default.${target}_model`), [[newer.runId]], `trial ${trial}: model`);
    const left = await writeLeftovers(target);
    assert.deepEqual(left, [], `trial ${trial}: leftovers`);
    // A late retry of the older run (its activity retried) is superseded too, and changes nothing.
    await assert.rejects(wh().writeRunOutputs(runOutputs(target, older), { runId: older.runId, runStartedAt: older.start }), SupersededRunError);
    assert.deepEqual(await queryRows(`SELECT run_id FROM memory.default.${target}_model`), [[newer.runId]]);
    await queryRows(`DROP TABLE memory.default.${target}`);
    await queryRows(`DROP TABLE memory.default.${target}_model`);
  }
  t.diagnostic(`outcomes: ${outcomes.join('; ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
});
