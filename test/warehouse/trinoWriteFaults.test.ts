/**
 * Acceptance suite for the run write-back under connection cuts, against the real Trino that
 * `npm test` starts (memory catalog: the rename swap, the hard case).
 *
 * Runs 0, 1, 2, ... (each started later than the one before) write the same output one after
 * the other, each over the complete pair its predecessor left. Run k writes through the fault
 * proxy, which cuts the connection at statement i (every i of a clean write, before forwarding
 * it and after Trino ran it). Then run k is retried on a healthy connection (or, for every third
 * i, compensated with cleanupRun). After each: the target is the previous or the new complete
 * pair (row count, one run_id, the model's run_id = the segments' run_id; a retry must end on
 * run k), and no staging, old or lock table remains. A reader polls throughout and must never
 * see a partial table.
 *
 * The same loop runs twice: with the segment rows carried by the worker (every statement cut
 * before and after), and with the segments staged inside Trino by one CREATE TABLE AS SELECT
 * (the model compiled by modelSelect). To stay within its time budget the second one cuts every
 * statement once, after it ran: a cut before statement i + 1 leaves Trino exactly as a cut after
 * statement i (and before the first, as after the first, a read), so every state the write passes
 * through is still reached and recovered from.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { startFaultProxy } from '../helpers/faultProxy';
import { TrinoWarehouse, type RunOutputs } from '../../src/warehouse';
import { runOutputs, writeLeftovers } from '../helpers/runOutputs';
import { customerTable, selectOutputs } from './selectStaged';

const ROWS = 70;
// Small statements, so that the segments take two statements (a CREATE ... AS and an INSERT):
// in the compact batches of trino-batch.ts the 70 rows fit in 1,500 characters, in one of 3,000.
const MAX_CHARS = 1500;
const runId = (k: number): string => `fault-run-${k}`;
const startOf = (k: number): Date => new Date(Date.UTC(2026, 2, 1, 2, k, 0, 0));

/** Run k of the chain, rows carried by the worker: each run starts a minute after the one before. */
/** Adds a side table (`<target>_scores`, two rows of run k), swapped with T and M as one unit like the real side tables. */
const withSide = (o: RunOutputs, target: string, k: number): RunOutputs => ({
  ...o,
  extras: [
    {
      target: `${target}_scores`,
      table: {
        rowCount: 2,
        columns: [
          { name: 'run_id', sqlType: 'varchar', values: [runId(k), runId(k)] },
          { name: 'created_at', sqlType: 'timestamp(3)', values: [startOf(k), startOf(k)] },
          { name: 'k', sqlType: 'integer', values: [k, k + 1] },
        ],
      },
    },
  ],
});
const rowOutputs = (target: string, k: number): RunOutputs => withSide(runOutputs(target, { runId: runId(k), start: startOf(k), rows: ROWS, shift: k }), target, k);
const targets = (target: string) => ({ segments: target, model: `${target}_model`, extras: [`${target}_scores`] });
const opts = (k: number) => ({ runId: runId(k), runStartedAt: startOf(k), lockPollMs: 200 });

/** The pair's segments row count, its run ids and the model's; null when a table is missing. */
async function pairOf(target: string): Promise<{ rows: number; runs: string; model: string; side: string } | null> {
  try {
    const [[rows, lo, hi, model, side]] = await queryRows(
      `SELECT count(*), min(run_id), max(run_id), (SELECT max(run_id) FROM memory.default.${target}_model), (SELECT min(run_id) || '/' || max(run_id) || '/' || CAST(count(*) AS varchar) FROM memory.default.${target}_scores) FROM memory.default.${target}`,
    );
    return { rows: Number(rows), runs: lo === hi ? String(lo) : `${String(lo)}|${String(hi)}`, model: String(model), side: String(side) };
  } catch (err) {
    if (/does not exist/.test(String(err))) return null;
    throw err;
  }
}

/** Asserts a complete pair of one of `allowed` runs and no leftovers; returns the run found. */
async function expectComplete(target: string, allowed: number[], where: string): Promise<number> {
  const pair = await pairOf(target);
  assert.ok(pair, `${where}: the target or its model is missing`);
  const k = allowed.find((r) => runId(r) === pair.runs);
  assert.ok(k !== undefined, `${where}: segments hold ${pair.runs}, expected ${allowed.map(runId).join(' or ')}`);
  assert.equal(pair.rows, ROWS, `${where}: ${runId(k)}'s segments are incomplete`);
  assert.equal(pair.model, runId(k), `${where}: the model comes from another run than the segments`);
  assert.equal(pair.side, `${runId(k)}/${runId(k)}/2`, `${where}: the side table is not the same run's, whole`);
  assert.deepEqual(await writeLeftovers(target), [], `${where}: staging/old/lock tables left`);
  return k;
}

type Cut = 'before' | 'after';

/** The cut-at-every-statement loop over the writes of run 1, 2, ... of `outputs` to `target`, each statement cut at each of `cuts`. */
async function cutEveryStatement(t: TestContext, target: string, outputs: (target: string, k: number) => RunOutputs, cuts: readonly Cut[]): Promise<void> {
  const direct = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), catalog: 'memory', schema: 'default', maxStatementChars: MAX_CHARS });
  await direct().writeRunOutputs(outputs(target, 0), opts(0));
  const proxy = await startFaultProxy({ target: trinoUrl() });
  const viaProxy = (): TrinoWarehouse => new TrinoWarehouse({ server: proxy.url, catalog: 'memory', schema: 'default', maxStatementChars: MAX_CHARS });
  const started = Date.now();

  // A reader polling the target: some run's complete pair, or (mid-rename) no table.
  let stop = false;
  let polls = 0;
  let absent = 0;
  const partial: string[] = [];
  const errors: string[] = [];
  const reader = (async () => {
    while (!stop) {
      try {
        const [[rows, lo, hi, models]] = await queryRows(`SELECT count(*), min(run_id), max(run_id), (SELECT count(*) FROM memory.default.${target}_model) FROM memory.default.${target}`);
        if (Number(rows) !== ROWS || lo !== hi) partial.push(`${String(rows)} rows of ${String(lo)}..${String(hi)}`);
        if (Number(models) !== 1) partial.push(`model: ${String(models)} rows`);
        polls++;
      } catch (err) {
        // Mid-rename the table is absent; a read racing the DROP of the table it resolved fails
        // inside the memory connector (TableInfo ... is null, or a bare "Internal error" when the
        // dropped table's pages vanish under the scan). Neither is a partial table.
        if (/does not exist|TableInfo|Trino: Internal error\n/.test(String(err))) absent++;
        else errors.push(String(err));
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  })();

  let inPlace = 0; // the run whose pair is the target now
  let last = 0; // the latest run id used: every write is by a newer run
  const missingAfterCut: string[] = [];
  const trial = async (name: string, cut: { at: number; when: Cut } | undefined, recover: 'retry' | 'cleanup'): Promise<void> => {
    const next = ++last;
    proxy.reset();
    if (cut) proxy.cutAt(cut.at, cut.when);
    const cutsBefore = proxy.cuts;
    let failed: unknown;
    try {
      await viaProxy().writeRunOutputs(outputs(target, next), opts(next));
    } catch (err) {
      failed = err;
    }
    if (!cut) {
      assert.equal(failed, undefined, String(failed));
      inPlace = await expectComplete(target, [next], name);
      return;
    }
    assert.equal(proxy.cuts, cutsBefore + 1, `${name}: the cut happened`);
    assert.equal((failed as Error | undefined)?.name, 'WarehouseUnavailableError', `${name}: ${String(failed)}`);
    // The window the old code lost the target in: cut between "T -> old" and "stage -> T".
    if ((await pairOf(target)) === null) missingAfterCut.push(name);
    if (recover === 'retry') {
      const r = await direct().writeRunOutputs(outputs(target, next), opts(next));
      assert.ok(r.outcome === 'replaced' || r.outcome === 'unchanged', `${name}: retry outcome ${r.outcome}`);
      inPlace = await expectComplete(target, [next], `${name} after the retry`);
    } else {
      await direct().cleanupRun(targets(target), runId(next));
      await direct().cleanupRun(targets(target), runId(next)); // idempotent
      inPlace = await expectComplete(target, [inPlace, next], `${name} after cleanupRun`);
    }
  };

  try {
    await trial('clean', undefined, 'retry');
    const statements = proxy.statements;
    t.diagnostic(`a clean write over an existing pair makes ${statements} statements`);
    assert.ok(statements >= 10 && statements <= 25, `${statements} statements`);
    for (let i = 1; i <= statements; i++) {
      for (const when of cuts) await trial(`${i}${when[0]}`, { at: i, when }, i % 3 === 0 ? 'cleanup' : 'retry');
    }
    t.diagnostic(`${cuts.length * statements} cuts in ${((Date.now() - started) / 1000).toFixed(1)} s; reader: ${polls} polls, target absent in ${absent}`);
    t.diagnostic(`cuts that left a table renamed away (repaired by the retry or cleanupRun): ${missingAfterCut.join(' ')}`);
    assert.ok(missingAfterCut.length >= 2, 'the cuts covered the moments between the two renames of a swap');
  } finally {
    stop = true;
    await reader;
    await proxy.close();
    await queryRows(`DROP TABLE IF EXISTS memory.default.${target}`);
    await queryRows(`DROP TABLE IF EXISTS memory.default.${target}_model`);
  }
  assert.deepEqual(partial, [], 'the reader never saw a partial table');
  assert.deepEqual(errors, [], 'the reader had no other error');
  assert.ok(polls > 0);
}

test('a cut connection at any statement of the write, then a retry or cleanupRun: always a complete pair, nothing left', async (t) => {
  await cutEveryStatement(t, `fault_${process.pid}_${Date.now() % 100_000}`, rowOutputs, ['before', 'after']);
});

test('a cut connection after any statement of a write whose segments a CREATE TABLE AS SELECT (modelSelect) stages, then a retry or cleanupRun: always a complete pair, nothing left', async (t) => {
  const target = `fault_select_${process.pid}_${Date.now() % 100_000}`;
  const source = `memory.default.${target}_customers`;
  const { select } = await customerTable(source, ROWS);
  try {
    await cutEveryStatement(t, target, (tgt, k) => withSide(selectOutputs(tgt, { runId: runId(k), start: startOf(k), rows: ROWS }, select, ROWS), tgt, k), ['after']);
  } finally {
    await queryRows(`DROP TABLE IF EXISTS ${source}`);
  }
});
