import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ActivityFailure, ApplicationFailure, WorkflowFailedError, type Client } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { parseRunConfig, type RunConfigInput } from '../../src/config/runConfig';
import { segmentationWorkflow } from '../../src/workflows';
import { runCli } from '../helpers/cli';
import { temporalAddress, withWorker } from '../helpers/temporal';
import { queryRows, trinoUrl } from '../helpers/trino';
import { buildTpchCustomers } from '../helpers/tpch';

const SOURCE = 'memory.default.bad_customers';
const OUTPUT = 'memory.default.bad_segments';
const base = { source: { kind: 'table', table: SOURCE }, output: { kind: 'table', table: OUTPUT }, userId: 'custkey', kRange: { min: 2, max: 4 }, sampleSize: 1000 } as const;

async function outputFingerprint(): Promise<string> {
  const rows = await queryRows(`SELECT count(*), count(DISTINCT custkey), min(run_id), max(run_id), sum(segment * custkey) FROM ${OUTPUT}`);
  return JSON.stringify(rows);
}

let good: string;
before(async () => {
  assert.equal(await buildTpchCustomers(SOURCE, 'tiny'), 1500);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);
  // Started with the raw, partial config: the workflow fills the defaults itself.
  await withWorker('bad-setup', ({ client, taskQueue }) => client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `bad-setup-${Date.now()}`, args: [base] }));
  good = await outputFingerprint();
});

/** Runs the workflow with `input` and returns the non-retryable failure it ends with. */
async function failure(client: Client, taskQueue: string, input: RunConfigInput): Promise<ApplicationFailure> {
  const err = await client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId: `bad-${Date.now()}-${Math.random()}`, args: [parseRunConfig(input)] }).then(
    () => assert.fail('the run should have failed'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WorkflowFailedError);
  const activityFailure = err.cause;
  assert.ok(activityFailure instanceof ActivityFailure, `an activity failed: ${String(activityFailure)}`);
  assert.equal(activityFailure.retryState, RetryState.NON_RETRYABLE_FAILURE, 'failed at once, not retried');
  assert.ok(activityFailure.cause instanceof ApplicationFailure);
  assert.equal(activityFailure.cause.nonRetryable, true);
  return activityFailure.cause;
}

const cases: [string, RunConfigInput, RegExp][] = [
  ['missing table', { ...base, source: { kind: 'table', table: 'memory.default.no_such_customers' } }, /no_such_customers/],
  ['missing user id column', { ...base, userId: 'customer_id' }, /customer_id/],
  ['duplicate user ids', { ...base, source: { kind: 'sql', sql: `SELECT * FROM ${SOURCE} UNION ALL SELECT * FROM ${SOURCE} WHERE custkey = 7` } }, /duplicate.*7|7.*duplicate/i],
  [
    'null user ids',
    { ...base, source: { kind: 'sql', sql: `SELECT CASE WHEN custkey = 5 THEN NULL ELSE custkey END AS custkey, mktsegment, nation, acctbal, order_count, total_spend FROM ${SOURCE}` } },
    /null/i,
  ],
  ['empty table', { ...base, source: { kind: 'sql', sql: `SELECT * FROM ${SOURCE} WHERE custkey < 0` } }, /empty|no rows/i],
  ['k larger than the rows', { ...base, k: 5000 }, /5000/],
  ['unknown priority feature', { ...base, priority: { high: ['lifetime_value'] } }, /lifetime_value/],
  ['a user id column name that tries SQL injection', { ...base, userId: 'custkey" FROM x; DROP TABLE y; --' }, /column name .*custkey.* is not a plain identifier/],
];

test('each bad input fails the run at once, names the problem, and leaves the previous table untouched', async () => {
  await withWorker('bad', async ({ client, taskQueue }) => {
    for (const [what, input, message] of cases) {
      const f = await failure(client, taskQueue, input);
      assert.match(f.message, message, `${what}: ${f.message}`);
      assert.equal(await outputFingerprint(), good, `${what}: the previous output is untouched`);
    }
  });
});

test('a config the workflow cannot parse (from a client or a parent workflow) fails at once, before any activity, naming the field', async () => {
  await withWorker('bad-input', async ({ client, taskQueue }) => {
    const wrong: [RunConfigInput, RegExp][] = [
      [{ ...base, kRange: { min: 2, max: 400 } }, /kRange: kRange may span at most 50 values/],
      [{ ...base, selection: 'gut-feeling' } as unknown as RunConfigInput, /selection/],
      [{ ...base, sampleSize: undefined, nInit: 0 }, /nInit/],
      [{ source: base.source, userId: 'custkey' } as unknown as RunConfigInput, /output/],
    ];
    for (const [input, message] of wrong) {
      const workflowId = `bad-input-${Date.now()}-${Math.random()}`;
      const started = Date.now();
      const err = await client.workflow.execute(segmentationWorkflow, { taskQueue, workflowId, args: [input] }).then(
        () => assert.fail('the run should have failed'),
        (e: unknown) => e,
      );
      assert.ok(err instanceof WorkflowFailedError, String(err));
      assert.ok(err.cause instanceof ApplicationFailure, String(err.cause));
      assert.equal(err.cause.type, 'RunConfigError');
      assert.equal(err.cause.nonRetryable, true);
      assert.match(err.cause.message, message);
      assert.ok(Date.now() - started < 10_000, `failed in ${Date.now() - started} ms`);
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      assert.equal(history.events?.filter((e) => e.activityTaskScheduledEventAttributes).length, 0, 'no activity ran');
      assert.equal(history.events?.filter((e) => e.workflowTaskStartedEventAttributes).length, 1, 'one attempt');
      // autoseg status shows the failed run's cause, for people and (--json) for scripts.
      const env = { TEMPORAL_ADDRESS: temporalAddress(), AUTOSEG_TASK_QUEUE: taskQueue };
      const shown = await runCli(['status', workflowId], env);
      assert.equal(shown.code, 0, shown.stderr);
      assert.match(shown.stdout, new RegExp(`^run ${workflowId}: FAILED \\(started .*, closed .*\\)\\ncause: +invalid run config: `));
      assert.match(shown.stdout, message);
      const json = await runCli(['status', workflowId, '--json'], env);
      const parsed = JSON.parse(json.stdout) as { status: string; cause: string };
      assert.equal(parsed.status, 'FAILED');
      assert.match(parsed.cause, message);
    }
  });
});

test('the CLI exits 2 on bad input and names the problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-bad-'));
  const badConfig = join(dir, 'bad.json');
  writeFileSync(badConfig, JSON.stringify({ source: { kind: 'table', table: SOURCE }, userId: 'custkey', output: { kind: 'table', table: OUTPUT }, selection: 'gut-feeling' }));
  const env = { TEMPORAL_ADDRESS: temporalAddress(), TRINO_URL: trinoUrl() };
  // Usage and config errors are caught before any run starts.
  const offline: [string[], RegExp][] = [
    [['run', '--source-table', `${SOURCE}; DROP TABLE ${OUTPUT}`, '--user-id', 'custkey', '--output-table', OUTPUT], /source\.table/],
    [['run', '--config', badConfig], /selection/],
    [['run', '--config', join(dir, 'missing.json')], /cannot read config file/],
    [['run', '--input', 'x.csv', '--user-id', 'id', '--k', 'many'], /--k must be a whole number/],
  ];
  const version = await runCli(['--version'], env);
  assert.equal(version.code, 0, version.stderr);
  assert.equal(version.stdout.trim(), (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
  for (const [args, message] of offline) {
    const r = await runCli(args, env);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
  }
  // Input errors found by a run's activities: exit 2 as well.
  await withWorker('bad-cli', async ({ taskQueue }) => {
    const r = await runCli(['run', '--source-table', SOURCE, '--user-id', 'customer_id', '--output-table', OUTPUT, '--k-max', '4'], { ...env, AUTOSEG_TASK_QUEUE: taskQueue });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /customer_id/);
  });
  assert.equal(await outputFingerprint(), good);
});

after(() => undefined);
