import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { createTriggerServer } from '../../src/trigger/httpTrigger';
import { withWorker } from '../helpers/temporal';
import { queryRows } from '../helpers/trino';
import { buildTpchCustomers } from '../helpers/tpch';

const SOURCE = 'memory.default.http_customers';
const OUTPUT = 'memory.default.http_segments';
const TOKEN = 'cdp-workflow-token-0123456789';

before(async () => {
  assert.equal(await buildTpchCustomers(SOURCE, 'tiny'), 1500);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);
});

test('the HTTP trigger: bearer token required, config validated, one run per key, status until done', async () => {
  await withWorker('http', async ({ client, taskQueue }) => {
    const server = createTriggerServer({ client, taskQueue, token: TOKEN });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const call = (path: string, init: RequestInit & { token?: string } = {}) =>
      fetch(`${base}${path}`, { ...init, headers: { 'content-type': 'application/json', ...(init.token ? { authorization: `Bearer ${init.token}` } : {}) } });
    try {
      const config = { source: { kind: 'table', table: SOURCE }, output: { kind: 'table', table: OUTPUT }, userId: 'custkey', kRange: { min: 2, max: 5 }, runKey: `cdp-${Date.now()}` };
      const noToken = await call('/runs', { method: 'POST', body: JSON.stringify(config) });
      assert.equal(noToken.status, 401);
      assert.match(((await noToken.json()) as { error: string }).error, /bearer token/);
      assert.equal((await call('/runs', { method: 'POST', body: JSON.stringify(config), token: 'wrong-token-wrong-token' })).status, 401);

      const bad = await call('/runs', { method: 'POST', body: JSON.stringify({ ...config, k: 1 }), token: TOKEN });
      assert.equal(bad.status, 400);
      assert.match(((await bad.json()) as { error: string }).error, /\bk\b/);

      const first = (await (await call('/runs', { method: 'POST', body: JSON.stringify(config), token: TOKEN })).json()) as { runId: string };
      const again = (await (await call('/runs', { method: 'POST', body: JSON.stringify(config), token: TOKEN })).json()) as { runId: string };
      assert.equal(again.runId, first.runId, 'the same key gives the same run');

      let status: { status: string; result?: { rows: number } } = { status: 'RUNNING' };
      for (let i = 0; i < 600 && status.status === 'RUNNING'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await (await call(`/runs/${encodeURIComponent(first.runId)}`, { token: TOKEN })).json()) as typeof status;
      }
      assert.equal(status.status, 'COMPLETED');
      assert.equal(status.result?.rows, 1500);
      const after = (await (await call('/runs', { method: 'POST', body: JSON.stringify(config), token: TOKEN })).json()) as { runId: string };
      assert.equal(after.runId, first.runId, 'a finished key is not run again');
      const [[runs]] = await queryRows(`SELECT count(DISTINCT run_id) FROM ${OUTPUT}`);
      assert.equal(runs, 1);
      assert.equal((await call('/runs/nope', { token: TOKEN })).status, 404);
    } finally {
      server.close();
    }
  });
});
