import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { BasicAuth, Trino } from 'trino-client';
import { createWorker } from '../../src/worker';
import { smokeWorkflow } from '../../src/workflows';

const { TEMPORAL_ADDRESS, TRINO_URL } = process.env;

async function queryRows(sql: string): Promise<unknown[][]> {
  const trino = Trino.create({ server: TRINO_URL!, auth: new BasicAuth('test') });
  const rows: unknown[][] = [];
  for await (const page of await trino.query(sql)) {
    if (page.error) throw new Error(page.error.message);
    rows.push(...(page.data ?? []));
  }
  return rows;
}

test('smoke workflow reads tpch.tiny.customer from Trino and writes one score per customer into memory', async () => {
  assert.ok(TEMPORAL_ADDRESS && TRINO_URL, 'run through `npm test`, which starts Temporal and Trino');
  const taskQueue = `smoke-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address: TEMPORAL_ADDRESS });
  const worker = await createWorker(nativeConnection, { taskQueue });
  const connection = await Connection.connect({ address: TEMPORAL_ADDRESS });
  const client = new Client({ connection });
  try {
    const runId = `smoke-${Date.now()}`;
    const input = { runId, sourceTable: 'tpch.tiny.customer', targetTable: 'memory.default.smoke_scores', stageDir: mkdtempSync(join(tmpdir(), 'autoseg-stage-')), trinoUrl: TRINO_URL! };
    const result = await worker.runUntil(client.workflow.execute(smokeWorkflow, { taskQueue, workflowId: runId, args: [input] }));
    assert.deepEqual({ extracted: result.extracted, written: result.written }, { extracted: 1500, written: 1500 });

    // The workflow really ran on the server: its history is there and it completed.
    const description = await client.workflow.getHandle(runId).describe();
    assert.equal(description.status.name, 'COMPLETED');

    const [[count, distinct, min, max]] = await queryRows('SELECT count(*), count(DISTINCT custkey), min(score), max(score) FROM memory.default.smoke_scores');
    assert.deepEqual([count, distinct, min, max], [1500, 1500, 0, 1]);
    const [[missing]] = await queryRows('SELECT count(*) FROM tpch.tiny.customer c LEFT JOIN memory.default.smoke_scores s ON c.custkey = s.custkey WHERE s.custkey IS NULL');
    assert.equal(missing, 0);
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
});
