import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runConfigFromFlags } from '../../src/cli/runOptions';
import { RunConfigError, parseRunConfig, workflowIdFor } from '../../src/config/runConfig';

test('flags become a run config with the engine defaults filled in', () => {
  const c = runConfigFromFlags({ input: 'examples/customers.csv', userId: 'td_canonical_id', kMin: '3', kMax: '6', exclude: 'email, phone_*', priorityHigh: 'total_spend', seed: '7', out: 'o' });
  assert.deepEqual(c.source, { kind: 'file', path: resolve('examples/customers.csv') });
  assert.deepEqual(c.output, { kind: 'dir', dir: resolve('o') });
  assert.deepEqual(c.kRange, { min: 3, max: 6 });
  assert.deepEqual(c.exclude, ['email', 'phone_*']);
  assert.deepEqual(c.priority, { high: ['total_spend'], med: [], low: [] });
  assert.equal(c.seed, 7);
  assert.equal(c.sampleSize, 10_000);
  assert.equal(c.selection, 'elbow');
  assert.equal(c.keepStage, false);
  assert.deepEqual([c.categorical, c.keepTopCategories], [[], 0]);
});

test('--categorical and --keep-top-categories', () => {
  const c = runConfigFromFlags({ input: 'examples/customers.csv', userId: 'td_canonical_id', categorical: 'order_count, web_visits_30d', keepTopCategories: '5', out: 'o' });
  assert.deepEqual(c.categorical, ['order_count', 'web_visits_30d']);
  assert.equal(c.keepTopCategories, 5);
  assert.throws(() => runConfigFromFlags({ input: 'x.csv', userId: 'id', keepTopCategories: 'five', out: 'o' }), /--keep-top-categories must be a whole number/);
  assert.throws(() => runConfigFromFlags({ input: 'x.csv', userId: 'id', keepTopCategories: '101', out: 'o' }), /keepTopCategories/);
});

test('flags override the config file, which overrides the defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-cfg-'));
  const file = join(dir, 'run.json');
  writeFileSync(
    file,
    JSON.stringify({ source: { kind: 'table', table: 'memory.default.customers' }, output: { kind: 'table', table: 'memory.default.segments' }, userId: 'custkey', seed: 3, sampleSize: 500 }),
  );
  const c = runConfigFromFlags({ config: file, seed: '9' });
  assert.deepEqual(c.source, { kind: 'table', table: 'memory.default.customers' });
  assert.equal(c.seed, 9);
  assert.equal(c.sampleSize, 500);
});

test('a bad config names the field', () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-cfg-'));
  const file = join(dir, 'bad.json');
  writeFileSync(file, JSON.stringify({ source: { kind: 'table', table: 'x; DROP TABLE y' }, userId: 'id', output: { kind: 'dir', dir: '/tmp/x' } }));
  assert.throws(
    () => runConfigFromFlags({ config: file }),
    (e: unknown) => e instanceof RunConfigError && /source\.table/.test(e.message),
  );
  writeFileSync(file, '{not json');
  assert.throws(() => runConfigFromFlags({ config: file }), /not valid JSON/);
  assert.throws(() => runConfigFromFlags({ input: 'a.csv' }), /--user-id/);
  assert.throws(() => runConfigFromFlags({ input: 'a.csv', sourceTable: 'a.b.c', userId: 'id' }), /only one of/);
  assert.throws(() => runConfigFromFlags({ input: 'a.csv', userId: 'id', k: 'three' }), /--k must be a whole number/);
  assert.throws(() => parseRunConfig({ source: { kind: 'sql', sql: 'DELETE FROM t' }, output: { kind: 'dir', dir: 'x' }, userId: 'id' }), /SELECT/);
});

test('the workflow id is derived from the run key, so a trigger cannot start the same run twice', () => {
  assert.equal(
    workflowIdFor({ runKey: 'nightly-2026-11-26' }, () => 'fresh'),
    'autoseg-nightly-2026-11-26',
  );
  assert.equal(
    workflowIdFor({}, () => 'fresh'),
    'autoseg-fresh',
  );
});
