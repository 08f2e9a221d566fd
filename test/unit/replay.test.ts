/**
 * Replays the saved histories of real runs (test/workflows/histories, saved by
 * `npm run histories:save`) against the current workflow code, without a server: a change to
 * the workflow that would break runs in flight (a nondeterminism error) fails here. Every
 * fixture of every version is replayed; see WORKFLOW_VERSION for the change policy.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { WORKFLOW_VERSION } from '../../src/workflows/segmentation';

const dir = resolve(__dirname, '..', 'workflows', 'histories');
const fixtures = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('the saved histories of real runs replay against the current workflow code', { timeout: 300_000 }, async () => {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // The current version has fixtures for a completed worker-mode run, a completed pushdown run and a failed run.
  for (const name of ['worker', 'pushdown', 'input-error']) assert.ok(fixtures.includes(`${WORKFLOW_VERSION}-${name}.json`), `no ${WORKFLOW_VERSION}-${name}.json: run npm run histories:save`);
  const histories = fixtures.map((f) => ({ workflowId: f.replace(/\.json$/, ''), history: JSON.parse(readFileSync(join(dir, f), 'utf8')) as unknown }));
  const failures: string[] = [];
  let replayed = 0;
  for await (const r of Worker.runReplayHistories({ workflowsPath: require.resolve('../../src/workflows') }, histories)) {
    replayed++;
    if (r.error) failures.push(`${r.workflowId}: ${r.error.message}`);
  }
  assert.equal(replayed, fixtures.length);
  assert.deepEqual(failures, []);
});
