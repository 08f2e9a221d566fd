/**
 * The HTTP trigger's refusals, which must happen before anything touches Temporal or a file:
 * checked with a client stub that records every call (the real server is exercised in
 * test/integration/httpTrigger.test.ts).
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityFailure, ApplicationFailure, TerminatedFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { createTriggerServer, rootCause } from '../../src/trigger/httpTrigger';

const TOKEN = 'unit-trigger-token-0123456789';
const SECRET = 'trino-secret-pw-42';
let base = '';
let server: Server;
let root = '';
let outside = '';
const calls: string[] = [];
const logged: string[] = [];

const client = {
  workflow: {
    start: async (_wf: unknown, o: { workflowId: string }) => {
      calls.push(`start ${o.workflowId}`);
      return { workflowId: o.workflowId };
    },
    getHandle: (id: string) => {
      calls.push(`getHandle ${id}`);
      return {
        workflowId: id,
        describe: async () => {
          throw new Error(`14 UNAVAILABLE: connect to https://autoseg:${SECRET}@trino:8443 failed\n    at internals (/srv/autoseg/node_modules/x.js:1:1)`);
        },
      };
    },
  },
} as unknown as Client;

before(async () => {
  process.env.TRINO_PASSWORD = SECRET;
  root = await realpath(await mkdtemp(join(tmpdir(), 'autoseg-trigger-root-')));
  outside = await realpath(await mkdtemp(join(tmpdir(), 'autoseg-trigger-outside-')));
  await writeFile(join(outside, 'secrets.csv'), 'id,password\n1,hunter2\n');
  await symlink(join(outside, 'secrets.csv'), join(root, 'innocent.csv'));
  await symlink(outside, join(root, 'linked-dir'));
  await mkdir(join(root, 'data'));
  await writeFile(join(root, 'data', 'customers.csv'), 'id,x\n1,2\n');
  server = createTriggerServer({ client, taskQueue: 'q', token: TOKEN, fileAccess: { kind: 'roots', roots: [root] }, log: (l) => logged.push(l) });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

after(async () => {
  server.close();
  await rm(root, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

const post = async (body: unknown) => {
  const r = await fetch(`${base}/runs`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' } });
  return { status: r.status, body: (await r.json()) as { error: string; runId?: string } };
};
const get = async (path: string) => {
  const r = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return { status: r.status, body: (await r.json()) as { error: string } };
};
const config = (source: unknown, output: unknown = { kind: 'table', table: 'memory.default.out' }) => ({ source, output, userId: 'id' });

test('file sources and directory outputs outside the allowed roots are 403 and nothing is started', async () => {
  calls.length = 0;
  const refused: [unknown, unknown, RegExp][] = [
    [{ kind: 'file', path: '/etc/passwd' }, undefined, /source file \/etc\/passwd refused.*AUTOSEG_FILE_ROOTS/],
    [{ kind: 'table', table: 'memory.default.c' }, { kind: 'dir', dir: '/' }, /output directory \/ refused/],
    [{ kind: 'file', path: join(root, 'innocent.csv') }, undefined, /innocent\.csv refused: it is not under an allowed directory/],
    [{ kind: 'file', path: join(root, 'linked-dir', 'secrets.csv') }, undefined, /refused/],
    [{ kind: 'file', path: join(root, '..', 'x.csv') }, undefined, /refused/],
    [{ kind: 'file', path: 'relative.csv' }, undefined, /absolute path/],
    [{ kind: 'table', table: 'memory.default.c' }, { kind: 'dir', dir: join(root, 'linked-dir', 'out') }, /output directory .* refused/],
  ];
  for (const [source, output, message] of refused) {
    const r = await post(config(source, output));
    assert.equal(r.status, 403, JSON.stringify(source));
    assert.match(r.body.error, message);
  }
  assert.deepEqual(calls, [], 'Temporal was never called');
});

test('with no roots configured every file path is refused; a path inside a root is accepted', async () => {
  const none = createTriggerServer({ client, taskQueue: 'q', token: TOKEN, fileAccess: { kind: 'roots', roots: [] } });
  await new Promise<void>((r) => none.listen(0, '127.0.0.1', r));
  try {
    const r = await fetch(`http://127.0.0.1:${(none.address() as AddressInfo).port}/runs`, {
      method: 'POST',
      body: JSON.stringify(config({ kind: 'file', path: join(root, 'data', 'customers.csv') })),
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(r.status, 403);
    assert.match(((await r.json()) as { error: string }).error, /no file access.*AUTOSEG_FILE_ROOTS/);
  } finally {
    none.close();
  }
  calls.length = 0;
  const ok = await post(config({ kind: 'file', path: join(root, 'data', 'customers.csv') }, { kind: 'dir', dir: join(root, 'out') }));
  assert.equal(ok.status, 202);
  assert.deepEqual(calls, [`start ${ok.body.runId}`]);
});

test('an output directory holding unrelated files is refused (400) before starting', async () => {
  calls.length = 0;
  const r = await post(config({ kind: 'table', table: 'memory.default.c' }, { kind: 'dir', dir: join(root, 'data') }));
  assert.equal(r.status, 400);
  assert.match(r.body.error, /holds files autoseg did not write \(customers\.csv\)/);
  assert.deepEqual(calls, []);
});

test('GET: bad %-encoding is 400, other workflows are 404 without a lookup, a 500 is one redacted line', async () => {
  calls.length = 0;
  for (const bad of ['/runs/%E0%A4%A', '/runs/autoseg-%', '/runs/%ZZ']) {
    const r = await get(bad);
    assert.equal(r.status, 400, bad);
    assert.match(r.body.error, /%-encoding/);
  }
  assert.equal((await get('/runs/some-other-teams-workflow')).status, 404);
  assert.deepEqual(calls, []);
  const r = await get('/runs/autoseg-x');
  assert.equal(r.status, 500);
  assert.doesNotMatch(r.body.error, new RegExp(SECRET));
  assert.doesNotMatch(r.body.error, /\n|node_modules/);
  assert.match(r.body.error, /^internal error \([0-9a-f-]+\): 14 UNAVAILABLE/);
  assert.equal(logged.length, 1);
  assert.doesNotMatch(logged[0], new RegExp(SECRET), 'the log is redacted too');
});

test('rootCause walks to the activity error, with its type and retryability', () => {
  const app = ApplicationFailure.create({ message: 'memory.default.nope: Table memory.default.nope does not exist', type: 'WarehouseInputError', nonRetryable: true });
  const act = new ActivityFailure('Activity task failed', 'extractSource', '1', RetryState.NON_RETRYABLE_FAILURE, 'id', app);
  const wf = new WorkflowFailedError('Workflow execution failed', act, RetryState.NON_RETRYABLE_FAILURE);
  assert.deepEqual(rootCause(wf), { message: app.message, type: 'WarehouseInputError', nonRetryable: true, activity: 'extractSource', retryState: 'NON_RETRYABLE_FAILURE' });

  const retried = new WorkflowFailedError(
    'Workflow execution failed',
    new ActivityFailure('Activity task failed', 'writeSegments', '2', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'id', ApplicationFailure.create({ message: 'connection reset', type: 'Error' })),
    RetryState.NON_RETRYABLE_FAILURE,
  );
  assert.deepEqual(rootCause(retried), { message: 'connection reset', type: 'Error', nonRetryable: false, activity: 'writeSegments', retryState: 'MAXIMUM_ATTEMPTS_REACHED' });

  const terminated = rootCause(new WorkflowFailedError('Workflow execution terminated', new TerminatedFailure('operator stopped it'), RetryState.NON_RETRYABLE_FAILURE));
  assert.equal(terminated.message, 'operator stopped it');
  assert.equal(terminated.type, 'TerminatedFailure');
  assert.equal(rootCause(new WorkflowFailedError('Workflow execution timed out', undefined, RetryState.TIMEOUT)).message, 'Workflow execution timed out');
});
