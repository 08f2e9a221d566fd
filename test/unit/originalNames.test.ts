/**
 * Config files in YAML or JSON, and the original implementation's parameter names: the same run
 * whichever the file's format and naming, conflicts and unknown keys refused by name, the README
 * table generated from the alias module, and the HTTP trigger accepting the same documents.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import { runConfigFromFlags } from '../../src/cli/runOptions';
import { ORIGINAL_PARAMETERS, fromOriginalNames, originalNamesMarkdown, parseConfigDocument } from '../../src/config/originalNames';
import { RunConfigError, configFingerprint, workflowIdFor } from '../../src/config/runConfig';
import { createTriggerServer } from '../../src/trigger/httpTrigger';
import { BEGIN, END, withTable } from '../../scripts/original-names-readme';

const dir = mkdtempSync(join(tmpdir(), 'autoseg-original-names-'));
const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const issuesOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    if (e instanceof RunConfigError) return e.issues;
    throw e;
  }
  assert.fail('expected a RunConfigError');
};

const AUTOSEG = {
  source: { kind: 'file', path: 'examples/customers.csv' },
  userId: 'td_canonical_id',
  exclude: ['re:email|first_name', 're:.*_rate'],
  priority: { high: ['rfm_tier'], med: [], low: ['loyalty_tier'] },
  priorityFactors: { high: 4, med: 2, low: 1.25 },
  kRange: { min: 3, max: 7 },
  seed: 0,
  runKey: 'nightly-1',
};
const ORIGINAL_YAML = `# the original's names
input_table: examples/customers.csv
user_id: td_canonical_id
excl: [email|first_name, .*_rate]
priority_features: {'high': ['rfm_tier'], 'med': [], 'low': ['loyalty_tier']}
high_coeff: 4
low_coeff: 1.25
k: [3, 7]
seed: 0
runKey: nightly-1
`;

test('YAML and JSON config files, by extension or by content, give the same config', () => {
  const yaml = `source: {kind: file, path: examples/customers.csv}
userId: td_canonical_id
exclude:
  - 're:email|first_name'
  - re:.*_rate
priority:
  high: [rfm_tier]
  low: [loyalty_tier]
priorityFactors: {high: 4, low: 1.25}
kRange: {min: 3, max: 7}
seed: 0
runKey: nightly-1
`;
  const fromJson = runConfigFromFlags({ config: file('run.json', JSON.stringify(AUTOSEG)), out: 'o' });
  for (const path of [file('run.yaml', yaml), file('run.yml', yaml), file('run.conf', yaml), file('run-json.conf', JSON.stringify(AUTOSEG, null, 2))]) {
    assert.deepEqual(runConfigFromFlags({ config: path, out: 'o' }), fromJson, path);
  }
  assert.deepEqual(fromJson.exclude, AUTOSEG.exclude);
  assert.deepEqual(fromJson.output, { kind: 'dir', dir: resolve('o') });
});

test('a config with the original names is the same config as the autoseg-named one: same fingerprint, same run id', () => {
  const autoseg = runConfigFromFlags({ config: file('autoseg.json', JSON.stringify(AUTOSEG)), out: 'o' });
  const original = runConfigFromFlags({ config: file('original.yaml', ORIGINAL_YAML), out: 'o' });
  assert.deepEqual(original, autoseg);
  assert.equal(configFingerprint(original), configFingerprint(autoseg));
  assert.equal(
    workflowIdFor(original, () => 'x'),
    workflowIdFor(autoseg, () => 'y'),
  );
  // The same through the function the HTTP trigger uses, and flags still override either naming.
  const output = { kind: 'dir', dir: resolve('o') };
  assert.deepEqual(parseConfigDocument({ ...AUTOSEG, output }), autoseg);
  assert.equal(runConfigFromFlags({ config: file('original2.yaml', ORIGINAL_YAML), userId: 'other', kMax: '9', out: 'o' }).userId, 'other');
  assert.deepEqual(runConfigFromFlags({ config: file('original3.yaml', ORIGINAL_YAML), kMax: '9', out: 'o' }).kRange, { min: 3, max: 9 });
});

test('each original name translates as the table says', () => {
  const t = (input: Record<string, unknown>) => fromOriginalNames(input).config;
  assert.deepEqual(t({ input_table: 'td_db.customers' }), { source: { kind: 'table', table: 'td_db.customers' } });
  assert.deepEqual(t({ input_table: 'data/c.parquet' }), { source: { kind: 'file', path: 'data/c.parquet' } });
  assert.deepEqual(t({ input_table: 'c.CSV' }), { source: { kind: 'file', path: 'c.CSV' } });
  assert.deepEqual(t({ excl: 'time|.*_id' }), { exclude: ['re:time|.*_id'] });
  assert.deepEqual(t({ excl: ['a', 're:b'] }), { exclude: ['re:a', 're:b'] });
  assert.deepEqual(t({ excl: null, k: 4 }), { k: 4 }, "null is Python's None: the default");
  assert.deepEqual(t({ k: [2, 6] }), { kRange: { min: 2, max: 6 } });
  assert.deepEqual(t({ med_coeff: 2.5, priorityFactors: { high: 5 } }), { priorityFactors: { high: 5, med: 2.5 } });
  assert.deepEqual(
    ORIGINAL_PARAMETERS.map((p) => p.original),
    ['input_table', 'user_id', 'excl', 'priority_features', 'high_coeff', 'med_coeff', 'low_coeff', 'k'],
  );
});

test('an original name and its autoseg name with different values is an error naming both; the same value is accepted', () => {
  const base = { input_table: 'db.t', output: { kind: 'dir', dir: 'o' } };
  assert.deepEqual(
    issuesOf(() => parseConfigDocument({ ...base, user_id: 'id', userId: 'uid', excl: 'x', exclude: ['re:x'] })),
    ['user_id: the original\'s name for userId, given as "id", but userId is also given, as "uid": give only one of them'],
  );
  assert.deepEqual(
    issuesOf(() => parseConfigDocument({ ...base, userId: 'id', high_coeff: 2, priorityFactors: { high: 3 }, k: [2, 5], kRange: { min: 2, max: 6 } })),
    [
      "high_coeff: the original's name for priorityFactors.high, given as 2, but priorityFactors.high is also given, as 3: give only one of them",
      'k: the original\'s name for kRange, given as [2,5], but kRange is also given, as {"max":6,"min":2}: give only one of them',
    ],
  );
  assert.throws(() => parseConfigDocument({ ...base, source: { kind: 'table', table: 'db.u' }, userId: 'id' }), /input_table: .*source is also given/);
  const same = parseConfigDocument({ ...base, source: { kind: 'table', table: 'db.t' }, user_id: 'id', userId: 'id', excl: ['x'], exclude: ['re:x'] });
  assert.deepEqual([same.source, same.userId, same.exclude], [{ kind: 'table', table: 'db.t' }, 'id', ['re:x']]);
});

test('unknown keys are still refused by name, and a bad value given by an original name says so', () => {
  assert.deepEqual(
    issuesOf(() => parseConfigDocument({ input_tabel: 'db.t', user_id: 'id', output: { kind: 'dir', dir: 'o' } })),
    ['source: Invalid input: expected object, received undefined', '(config): Unrecognized key: "input_tabel"'],
  );
  const bad = issuesOf(() => parseConfigDocument({ input_table: 'db.t', user_id: 'id', output: { kind: 'dir', dir: 'o' }, excl: 'tmp_(', low_coeff: 0 }));
  assert.equal(bad.length, 2, bad.join('\n'));
  assert.match(bad[0], /^exclude\.0: exclude entry "re:tmp_\(" is not a valid JavaScript regular expression: .* \(given as excl\)$/);
  assert.equal(bad[1], 'priorityFactors.low: must be a finite number > 0 (given as low_coeff)');
  // Through the CLI: the config file's names in the message, exit code 2 (RunConfigError).
  assert.throws(
    () => runConfigFromFlags({ config: file('bad.yaml', 'input_table: db.t\nuser_id: id\npriority_features: {high: [a], medium: [b]}\n') }),
    (e: unknown) => e instanceof RunConfigError && e.message === 'invalid run config: priority: Unrecognized key: "medium" (given as priority_features)',
  );
});

test('config files that are not valid YAML or JSON, or not a mapping, are usage errors naming the file', () => {
  assert.throws(() => runConfigFromFlags({ config: file('bad.json', '{not json') }), /bad\.json is not valid JSON/);
  assert.throws(
    () => runConfigFromFlags({ config: file('dup.yaml', 'user_id: a\nuser_id: b\n') }),
    (e: unknown) => e instanceof Error && e.name === 'CliUsageError' && /dup\.yaml is not valid YAML: .*unique/i.test(e.message),
  );
  assert.throws(() => runConfigFromFlags({ config: file('list.yml', '- a\n- b\n') }), /list\.yml is not valid YAML for a run config: the top level must be a mapping/);
  assert.throws(() => runConfigFromFlags({ config: join(dir, 'missing.yaml') }), /cannot read config file .*missing\.yaml/);
});

test('--exclude takes re: entries, split at commas outside brackets', () => {
  const c = runConfigFromFlags({ input: 'a.csv', userId: 'id', exclude: 're:a{1,3}, [a,b]*, re:x_(y|z),email' });
  assert.deepEqual(c.exclude, ['re:a{1,3}', '[a,b]*', 're:x_(y|z)', 'email']);
  assert.throws(
    () => runConfigFromFlags({ input: 'a.csv', userId: 'id', exclude: 're:(' }),
    (e: unknown) => e instanceof RunConfigError && /exclude\.0: exclude entry "re:\(" is not a valid/.test(e.message),
  );
});

test("the README's mapping table is the one the alias module generates, and every alias is in it", () => {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  assert.equal(withTable(readme), readme, `README.md is out of date: run npx tsx scripts/original-names-readme.ts`);
  const table = readme.slice(readme.indexOf(BEGIN), readme.indexOf(END));
  for (const p of ORIGINAL_PARAMETERS) assert.ok(table.includes(`| \`${p.original}\` |`), p.original);
  assert.ok(table.includes(originalNamesMarkdown()));
  // The README's two example files are the same run.
  const [autoseg, original] = [...readme.matchAll(/```yaml\n(# (?:autoseg's|the original's) names\n[\s\S]*?)```/g)].map((m) => m[1]);
  assert.ok(autoseg && original, 'the two YAML examples are in the README');
  const a = runConfigFromFlags({ config: file('readme-a.yaml', autoseg), out: 'o' });
  assert.deepEqual(runConfigFromFlags({ config: file('readme-o.yaml', original), out: 'o' }), a);
  assert.deepEqual(a.exclude, ['re:promo_.*|.*_score']);
});

// The HTTP trigger parses its JSON body with the same function: original names start the same run.
const started: unknown[] = [];
let server: Server;
let base = '';
const TOKEN = 'unit-trigger-token-0123456789';
before(async () => {
  const client = {
    workflow: {
      start: async (_wf: unknown, o: { workflowId: string; args: unknown[] }) => {
        started.push(o.args[0]);
        return { workflowId: o.workflowId };
      },
    },
  } as unknown as Client;
  server = createTriggerServer({ client, taskQueue: 'q', token: TOKEN, fileAccess: { kind: 'any' }, log: () => {} });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => server.close());

test('the HTTP trigger accepts the original names and starts the same config; a conflict is a 400 naming both', async () => {
  const post = async (body: unknown) => {
    const r = await fetch(`${base}/runs`, { method: 'POST', body: JSON.stringify(body), headers: { authorization: `Bearer ${TOKEN}` } });
    return { status: r.status, body: (await r.json()) as { error?: string; issues?: string[] } };
  };
  const output = { kind: 'table', table: 'memory.default.segments' };
  started.length = 0;
  assert.equal((await post({ input_table: 'memory.default.customers', user_id: 'custkey', excl: 'comment', k: 4, output })).status, 202);
  assert.equal((await post({ source: { kind: 'table', table: 'memory.default.customers' }, userId: 'custkey', exclude: ['re:comment'], k: 4, output })).status, 202);
  assert.equal(started.length, 2);
  assert.deepEqual(started[0], started[1]);
  const conflict = await post({ input_table: 'memory.default.customers', user_id: 'custkey', userId: 'id', output });
  assert.equal(conflict.status, 400);
  assert.match(conflict.body.issues?.[0] ?? '', /^user_id: .*userId is also given/);
  assert.equal(started.length, 2, 'nothing started');
});
