import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRunConfig, type RunConfig } from '../../src/config/runConfig';
import { segment } from '../../src/segmentation';
import { sortByUserId } from '../../src/segmentation/rowOrder';
import { TrinoWarehouse } from '../../src/warehouse/trino';
import { segmentationWorkflow } from '../../src/workflows';
import { withWorker } from '../helpers/temporal';
import { queryRows } from '../helpers/trino';
import { buildTpchCustomers, segmentsByCustkey } from '../helpers/tpch';
import { openReport } from '../helpers/chromium';
import { statSync } from 'node:fs';
import { join } from 'node:path';

const SOURCE = 'memory.default.tpch_customers';
const OUTPUT = 'memory.default.tpch_segments';

function config(extra: Partial<RunConfig> = {}): RunConfig {
  return parseRunConfig({ source: { kind: 'table', table: SOURCE }, output: { kind: 'table', table: OUTPUT }, userId: 'custkey', seed: 11, ...extra });
}

before(async () => {
  assert.equal(await buildTpchCustomers(SOURCE), 150_000);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}_model`);
});

test('150,000 TPC-H customers are segmented by the workflow exactly as the engine does in-process', async () => {
  const summary = await withWorker('tpch', ({ client, taskQueue }) => client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `tpch-${Date.now()}`, args: [config()] }));
  console.log(`150k run: k=${summary.k} (elbow ${summary.elbowK}, silhouette ${summary.silhouetteK}); stages ${summary.timings.map((t) => `${t.stage} ${t.ms} ms`).join(', ')}`);
  assert.equal(summary.rows, 150_000);

  const [[rows, distinct, minSeg, maxSeg, runIds]] = await queryRows(`SELECT count(*), count(DISTINCT custkey), min(segment), max(segment), count(DISTINCT run_id) FROM ${OUTPUT}`);
  assert.deepEqual([rows, distinct, runIds], [150_000, 150_000, 1]);
  assert.ok(Number(minSeg) >= 0 && Number(maxSeg) < summary.k, `segments in [0, ${summary.k})`);
  const [[missing]] = await queryRows(`SELECT count(*) FROM tpch.sf1.customer c LEFT JOIN ${OUTPUT} s ON s.custkey = c.custkey WHERE s.custkey IS NULL`);
  assert.equal(missing, 0);
  const [[type]] = await queryRows(`SELECT data_type FROM memory.information_schema.columns WHERE table_name = 'tpch_segments' AND column_name = 'custkey'`);
  assert.equal(type, 'bigint', 'the user id keeps its source type');

  // The same table through the engine, in this process, with the same seed.
  const trino = new TrinoWarehouse();
  const table = await trino.scan({ kind: 'table', table: SOURCE }, { userId: 'custkey' });
  await trino.close();
  const local = segment(sortByUserId(table, 'custkey'), { userId: 'custkey', seed: 11 });
  assert.equal(local.k, summary.k);
  const written = await segmentsByCustkey(OUTPUT);
  let differ = 0;
  local.userIds.forEach((id, i) => {
    if (written.get(id) !== local.labels[i]) differ++;
  });
  assert.equal(differ, 0, 'every customer has the segment the engine gives in-process');

  // The run's report (table outputs: under AUTOSEG_REPORT_DIR/<table>/): under 5 MB, opens offline.
  assert.ok(summary.outputs.report, 'the run wrote a report');
  const bytes = statSync(summary.outputs.report).size;
  assert.ok(bytes < 5 * 1024 * 1024, `report is ${bytes} bytes`);
  const opened = await openReport(summary.outputs.report, join(process.env.AUTOSEG_TEST_OUTPUT ?? 'test-output', 'tpch-report.png'));
  console.log(`150k report: ${(bytes / 1024).toFixed(0)} KiB, load ${opened.navigation.load.toFixed(0)} ms (navigation timing), ${opened.wallMs.toFixed(0)} ms wall`);
  assert.deepEqual(opened.errors, []);
  assert.deepEqual(opened.requests, [opened.url]);
});

test('a rerun keeps every segment number; after 1% of rows change, at least 95% keep theirs', async () => {
  const first = await segmentsByCustkey(OUTPUT);
  const rerun = await withWorker('tpch-rerun', ({ client, taskQueue }) => client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `tpch-rerun-${Date.now()}`, args: [config()] }));
  assert.equal(rerun.movedSincePrevious, 0, 'a rerun on the same data moves nobody');
  const second = await segmentsByCustkey(OUTPUT);
  for (const [id, seg] of first) assert.equal(second.get(id), seg);

  // Change 1% of the customers: their spend and orders jump.
  await queryRows(`UPDATE ${SOURCE} SET total_spend = total_spend * 3 + 100000, order_count = order_count + 20 WHERE custkey % 100 = 7`).catch(async () => {
    // The memory connector has no UPDATE: rebuild the table with the change.
    await queryRows(`CREATE TABLE ${SOURCE}_changed AS SELECT custkey, name, mktsegment, nation, acctbal,
        CASE WHEN custkey % 100 = 7 THEN order_count + 20 ELSE order_count END AS order_count,
        CASE WHEN custkey % 100 = 7 THEN total_spend * 3 + 100000 ELSE total_spend END AS total_spend,
        avg_spend, days_since_last_order FROM ${SOURCE}`);
    await queryRows(`DROP TABLE ${SOURCE}`);
    await queryRows(`ALTER TABLE ${SOURCE}_changed RENAME TO ${SOURCE}`);
  });
  const changed = await withWorker('tpch-changed', ({ client, taskQueue }) => client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `tpch-changed-${Date.now()}`, args: [config()] }));
  const third = await segmentsByCustkey(OUTPUT);
  let same = 0;
  for (const [id, seg] of second) if (third.get(id) === seg) same++;
  console.log(`after a 1% change: ${same} of ${second.size} kept their segment; summary says ${changed.movedSincePrevious} moved`);
  assert.equal(second.size - same, changed.movedSincePrevious);
  assert.ok(same / second.size >= 0.95, `${same / second.size} >= 0.95`);
});
