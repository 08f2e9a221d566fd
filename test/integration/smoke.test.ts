import { test } from 'node:test';
import assert from 'node:assert/strict';
import { smokeWorkflow } from '../../src/workflows';
import { withWorker } from '../helpers/temporal';
import { queryRows } from '../helpers/trino';

test('smoke workflow reads tpch.tiny.customer from Trino and writes one score per customer into memory', async () => {
  const runId = `smoke-${Date.now()}`;
  const input = { runId, sourceTable: 'tpch.tiny.customer', targetTable: 'memory.default.smoke_scores' };
  await withWorker('smoke', async ({ client, taskQueue }) => {
    const result = await client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: runId, args: [input] });
    assert.deepEqual({ extracted: result.extracted, written: result.written }, { extracted: 1500, written: 1500 });
    // The workflow really ran on the server: the server describes it as completed.
    const description = await client.workflow.getHandle(runId).describe();
    assert.equal(description.status.name, 'COMPLETED');
  });

  const [[count, distinct, min, max]] = await queryRows('SELECT count(*), count(DISTINCT custkey), min(score), max(score) FROM memory.default.smoke_scores');
  assert.deepEqual([count, distinct, min, max], [1500, 1500, 0, 1]);
  const [[missing]] = await queryRows('SELECT count(*) FROM tpch.tiny.customer c LEFT JOIN memory.default.smoke_scores s ON c.custkey = s.custkey WHERE s.custkey IS NULL');
  assert.equal(missing, 0);
});
