/**
 * Started from another team's workflow: a parent workflow on its own task queue (its own
 * worker) runs the segmentation as a child workflow on the autoseg workers' queue, against the
 * real Temporal and Trino, and reads its result; a parent passing a wrong config gets a
 * non-retryable failure naming the field, in one attempt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ApplicationFailure, ChildWorkflowFailure, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { RunConfigInput } from '../../src/config/runConfigSchema';
import { temporalAddress, withWorker } from '../helpers/temporal';
import { buildTpchCustomers } from '../helpers/tpch';
import { queryRows } from '../helpers/trino';

const SOURCE = 'memory.default.child_customers';
const OUTPUT = 'memory.default.child_segments';

test('a parent workflow on its own task queue runs the segmentation as a child and reads its result; a wrong config fails it at once', { timeout: 600_000 }, async () => {
  assert.equal(await buildTpchCustomers(SOURCE, 'tiny'), 1500);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);
  await withWorker('child-autoseg', async ({ client, taskQueue: autosegQueue }) => {
    const parentQueue = `${autosegQueue}-parent`;
    const connection = await NativeConnection.connect({ address: temporalAddress() });
    try {
      const parentWorker = await Worker.create({ connection, taskQueue: parentQueue, workflowsPath: require.resolve('../workflows/fixtures/parentWorkflow') });
      await parentWorker.runUntil(async () => {
        // Only the required fields: the child fills the defaults.
        const input: RunConfigInput = { source: { kind: 'table', table: SOURCE }, output: { kind: 'table', table: OUTPUT }, userId: 'custkey', kRange: { min: 2, max: 4 } };
        const result = await client.workflow.execute('nightlyCampaignWorkflow', { taskQueue: parentQueue, workflowId: `parent-${Date.now()}`, args: [input, autosegQueue] });
        assert.deepEqual(Object.keys(result as object).sort(), ['k', 'rows', 'target']);
        const { k, rows, target } = result as { k: number; rows: number; target: string };
        assert.equal(rows, 1500);
        assert.ok(k >= 2 && k <= 4, `k ${k}`);
        assert.equal(target, OUTPUT);
        const [[count, segments]] = await queryRows(`SELECT count(*), count(DISTINCT segment) FROM ${OUTPUT}`);
        assert.equal(Number(count), 1500);
        assert.equal(Number(segments), k);

        const parentId = `parent-bad-${Date.now()}`;
        const started = Date.now();
        const wrong = { ...input, minCategoryShare: 2 } as RunConfigInput;
        const err = await client.workflow.execute('nightlyCampaignWorkflow', { taskQueue: parentQueue, workflowId: parentId, args: [wrong, autosegQueue] }).then(
          () => assert.fail('the parent should have failed'),
          (e: unknown) => e,
        );
        assert.ok(err instanceof WorkflowFailedError, String(err));
        assert.ok(err.cause instanceof ChildWorkflowFailure, String(err.cause));
        const cause = err.cause.cause;
        assert.ok(cause instanceof ApplicationFailure, String(cause));
        assert.equal(cause.type, 'RunConfigError');
        assert.equal(cause.nonRetryable, true);
        assert.match(cause.message, /minCategoryShare/);
        assert.ok(Date.now() - started < 15_000, `failed after ${Date.now() - started} ms`);
        const child = await client.workflow.getHandle(`${parentId}-segmentation`).fetchHistory();
        assert.equal(child.events?.filter((e) => e.workflowTaskStartedEventAttributes).length, 1, 'one attempt');
        assert.equal(child.events?.filter((e) => e.activityTaskScheduledEventAttributes).length, 0, 'no activity ran');
      });
    } finally {
      await connection.close();
      await queryRows(`DROP TABLE IF EXISTS ${SOURCE}`).catch(() => undefined);
      await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`).catch(() => undefined);
      await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}_model`).catch(() => undefined);
    }
  });
});
