import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseRunConfig } from '../../src/config/runConfig';
import type { FileAccess } from '../../src/config/fileAccess';
import { segmentationWorkflow } from '../../src/workflows';
import { progressQuery } from '../../src/workflows/progress';
import { startTrino, type TrinoServer } from '../../scripts/services/trino';
import { withWorker } from '../helpers/temporal';

let trino: TrinoServer | undefined;
after(async () => {
  await trino?.stop();
});

test('Trino stopped during extract and started again: the extract retries and the run completes', async () => {
  // A Trino of this test's own, so stopping it disturbs no other test. The worker below runs in
  // this process and reads TRINO_URL when each activity opens its warehouse.
  const work = mkdtempSync(join(tmpdir(), 'autoseg-trino-restart-'));
  trino = await startTrino(join(work, 'first'));
  const port = Number(new URL(trino.url).port);
  process.env.TRINO_URL = trino.url;
  const out = join(work, 'out');
  // Generated on the fly by the tpch connector, so it survives the restart (the memory catalog would not).
  const sql = `SELECT c.custkey, c.mktsegment, c.acctbal, count(o.orderkey) AS order_count, coalesce(sum(o.totalprice), 0) AS total_spend
    FROM tpch.sf1.customer c LEFT JOIN tpch.sf1.orders o ON o.custkey = c.custkey GROUP BY c.custkey, c.mktsegment, c.acctbal`;
  const config = parseRunConfig({ source: { kind: 'sql', sql }, output: { kind: 'dir', dir: out }, userId: 'custkey', kRange: { min: 2, max: 5 } });

  // The worker may write only under this test's own directory (a shared worker writes nowhere else).
  const fileAccess: FileAccess = { kind: 'roots', roots: [work] };
  await withWorker(
    'trino-restart',
    async ({ client, taskQueue }) => {
      const handle = await client.workflow.start(segmentationWorkflow, { taskQueue, workflowId: `trino-restart-${Date.now()}`, args: [config] });
      for (;;) {
        const p = await handle.query(progressQuery);
        if (p.stage === 'extract') break;
      }
      await new Promise((r) => setTimeout(r, 300));
      await trino!.stop(); // mid-query: the activity's next page request is refused
      await new Promise((r) => setTimeout(r, 2_000));
      trino = await startTrino(join(work, 'second'), { port });
      const summary = await handle.result();
      assert.equal(summary.rows, 150_000);

      let attempts = 0;
      for (const e of (await handle.fetchHistory()).events ?? []) {
        if (e.activityTaskStartedEventAttributes && e.activityTaskStartedEventAttributes.attempt) attempts = Math.max(attempts, e.activityTaskStartedEventAttributes.attempt);
      }
      console.log(`extract completed after ${attempts} attempts`);
      assert.ok(attempts >= 2, 'the extract was retried');
    },
    { fileAccess },
  );
  const segments = readFileSync(join(out, 'segments.csv'), 'utf8').trim().split('\n');
  assert.equal(segments.length, 150_001);
});
