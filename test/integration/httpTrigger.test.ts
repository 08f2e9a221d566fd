import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { createTriggerServer } from '../../src/trigger/httpTrigger';
import { withWorker } from '../helpers/temporal';
import { queryRows } from '../helpers/trino';
import { buildTpchCustomers } from '../helpers/tpch';

const SOURCE = 'memory.default.http_customers';
const OUTPUT = 'memory.default.http_segments';
const TOKEN = 'cdp-workflow-token-0123456789';

// The directory file sources and outputs may use, for the trigger and for the worker (which
// enforces the same roots).
let ROOT = '';
let OUTSIDE = '';

before(async () => {
  assert.equal(await buildTpchCustomers(SOURCE, 'tiny'), 1500);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);
  ROOT = await realpath(await mkdtemp(join(tmpdir(), 'autoseg-http-root-')));
  OUTSIDE = await realpath(await mkdtemp(join(tmpdir(), 'autoseg-http-outside-')));
  process.env.AUTOSEG_FILE_ROOTS = ROOT;
  await writeFile(join(OUTSIDE, 'secrets.csv'), 'td_canonical_id,password\na,hunter2\nb,swordfish\n');
  await symlink(join(OUTSIDE, 'secrets.csv'), join(ROOT, 'customers-link.csv'));
  await mkdir(join(ROOT, 'data'));
  // 400 customers of the example: enough for k in 2..3, quick on a loaded machine.
  const example = (await readFile(join(__dirname, '../../examples/customers.csv'), 'utf8')).split('\n').slice(0, 401).join('\n');
  await writeFile(join(ROOT, 'data', 'customers.csv'), `${example}\n`);
});

after(async () => {
  delete process.env.AUTOSEG_FILE_ROOTS;
  await rm(ROOT, { recursive: true, force: true });
  await rm(OUTSIDE, { recursive: true, force: true });
});

async function notStarted(client: Client, workflowId: string): Promise<void> {
  await assert.rejects(client.workflow.getHandle(workflowId).describe(), WorkflowNotFoundError, `${workflowId} must not have been started`);
}

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
      const afterDone = await call('/runs', { method: 'POST', body: JSON.stringify(config), token: TOKEN });
      assert.equal(afterDone.status, 202);
      assert.equal(((await afterDone.json()) as { runId: string }).runId, first.runId, 'a finished key is not run again');
      // The same key with a different config is not silently answered with the old run.
      const other = await call('/runs', { method: 'POST', body: JSON.stringify({ ...config, kRange: { min: 2, max: 6 } }), token: TOKEN });
      assert.equal(other.status, 409);
      const conflict = (await other.json()) as { error: string; runId: string; runKey: string };
      assert.equal(conflict.runId, first.runId);
      assert.equal(conflict.runKey, config.runKey);
      assert.match(conflict.error, new RegExp(`runKey ${config.runKey} is already used by run ${first.runId} \\(COMPLETED\\) with a different config`));
      const [[runs]] = await queryRows(`SELECT count(DISTINCT run_id) FROM ${OUTPUT}`);
      assert.equal(runs, 1);
      assert.equal((await call('/runs/nope', { token: TOKEN })).status, 404);
      const badEncoding = await call('/runs/autoseg-%E0%A4%A', { token: TOKEN });
      assert.equal(badEncoding.status, 400);
      assert.match(((await badEncoding.json()) as { error: string }).error, /%-encoding/);
    } finally {
      server.close();
    }
  });
});

type Status = { status: string; error?: string; failure?: { type: string; nonRetryable: boolean; activity?: string }; result?: { rows: number } };

test('the HTTP trigger: worker files only under AUTOSEG_FILE_ROOTS; a failed run says why', async () => {
  await withWorker('http-files', async ({ client, taskQueue }) => {
    const server = createTriggerServer({ client, taskQueue, token: TOKEN, fileAccess: { kind: 'roots', roots: [ROOT] } });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = async (body: unknown) => {
      const r = await fetch(`${base}/runs`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` } });
      return { status: r.status, body: (await r.json()) as { error: string; runId: string } };
    };
    const waitDone = async (runId: string): Promise<Status> => {
      let status: Status = { status: 'RUNNING' };
      for (let i = 0; i < 600 && status.status === 'RUNNING'; i++) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await (await fetch(`${base}/runs/${encodeURIComponent(runId)}`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as Status;
      }
      return status;
    };
    const key = `files-${Date.now()}`;
    try {
      const refused: [string, unknown, unknown, RegExp][] = [
        [`${key}-passwd`, { kind: 'file', path: '/etc/passwd' }, { kind: 'table', table: OUTPUT }, /source file \/etc\/passwd refused/],
        [`${key}-root`, { kind: 'table', table: SOURCE }, { kind: 'dir', dir: '/' }, /output directory \/ refused/],
        [
          `${key}-link`,
          { kind: 'file', path: join(ROOT, 'customers-link.csv') },
          { kind: 'table', table: 'memory.default.http_stolen' },
          /customers-link\.csv refused: it is not under an allowed directory/,
        ],
        [`${key}-dotdot`, { kind: 'table', table: SOURCE }, { kind: 'dir', dir: join(ROOT, '..', 'autoseg-http-escape') }, /refused/],
      ];
      for (const [runKey, source, output, message] of refused) {
        const r = await post({ source, output, userId: 'td_canonical_id', runKey });
        assert.equal(r.status, 403, runKey);
        assert.match(r.body.error, message);
        await notStarted(client, `autoseg-${runKey}`);
      }
      assert.equal(existsSync(join(ROOT, '..', 'autoseg-http-escape')), false, 'nothing written outside the root');
      const [[stolen]] = await queryRows(`SELECT count(*) FROM memory.information_schema.tables WHERE table_name = 'http_stolen'`);
      assert.equal(stolen, 0, 'nothing copied into Trino');

      // Inside the root: accepted, and the worker (same roots) runs it to the end.
      const out = join(ROOT, 'out');
      const ok = await post({
        source: { kind: 'file', path: join(ROOT, 'data', 'customers.csv') },
        output: { kind: 'dir', dir: out },
        userId: 'td_canonical_id',
        kRange: { min: 2, max: 3 },
        runKey: `${key}-ok`,
      });
      assert.equal(ok.status, 202, ok.body.error);
      const done = await waitDone(ok.body.runId);
      assert.equal(done.status, 'COMPLETED', JSON.stringify(done));
      assert.equal(done.result?.rows, 400);
      assert.ok(existsSync(join(out, 'segments.csv')));

      // A failed run answers with the activity's own error, not Temporal's wrapper.
      const failed = await post({
        source: { kind: 'table', table: 'memory.default.http_missing_table' },
        output: { kind: 'table', table: 'memory.default.http_never' },
        userId: 'custkey',
        runKey: `${key}-missing`,
      });
      assert.equal(failed.status, 202);
      const status = await waitDone(failed.body.runId);
      assert.equal(status.status, 'FAILED');
      assert.match(status.error ?? '', /http_missing_table/);
      assert.doesNotMatch(status.error ?? '', /Activity task failed/);
      assert.equal(status.failure?.type, 'WarehouseInputError');
      assert.equal(status.failure?.nonRetryable, true);
    } finally {
      server.close();
    }
  });
});
