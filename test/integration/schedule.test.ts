import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { runCli } from '../helpers/cli';
import { temporalAddress, withWorker } from '../helpers/temporal';
import { queryRows, trinoUrl } from '../helpers/trino';
import { buildTpchCustomers } from '../helpers/tpch';
import { STAGES } from '../../src/workflows/progress';

const SOURCE = 'memory.default.sched_customers';
const OUTPUT = 'memory.default.sched_segments';

before(async () => {
  assert.equal(await buildTpchCustomers(SOURCE, 'tiny'), 1500);
  await queryRows(`DROP TABLE IF EXISTS ${OUTPUT}`);
});

async function cli(taskQueue: string, ...args: string[]): Promise<unknown> {
  const r = await runCli(['schedule', ...args], { TEMPORAL_ADDRESS: temporalAddress(), TRINO_URL: trinoUrl(), AUTOSEG_TASK_QUEUE: taskQueue });
  assert.equal(r.code, 0, `schedule ${args.join(' ')}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('a nightly schedule: created, triggered, run completes; a trigger during a run is skipped; pause, unpause, delete', async () => {
  const id = `nightly-${Date.now()}`;
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection });
  try {
    // The schedule is created and triggered before any worker polls its task queue, so its first run
    // stays running (started, no worker yet) for as long as the test needs: the second trigger then
    // meets a running run for certain, whatever the machine's speed.
    const taskQueue = `schedule-${process.pid}-${Date.now()}`;
    await cli(taskQueue, 'create', id, '--cron', '0 2 * * *', '--timezone', 'Asia/Tokyo', '--source-table', SOURCE, '--user-id', 'custkey', '--output-table', OUTPUT, '--k-max', '5');
    const created = (await cli(taskQueue, 'describe', id)) as { overlap: string; spec: { timezone: string }; paused: boolean };
    assert.equal(created.overlap, 'SKIP');
    assert.equal(created.spec.timezone, 'Asia/Tokyo');
    assert.equal(created.paused, false);

    const handle = client.schedule.getHandle(id);
    await cli(taskQueue, 'trigger', id);
    let d = await handle.describe();
    for (let i = 0; i < 150 && d.info.runningActions.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      d = await handle.describe();
    }
    assert.equal(d.info.runningActions.length, 1, 'the first trigger started a run');
    await cli(taskQueue, 'trigger', id);
    for (let i = 0; i < 150 && d.info.numActionsSkippedOverlap === 0; i++) {
      await new Promise((r) => setTimeout(r, 200));
      d = await handle.describe();
    }
    assert.equal(d.info.numActionsSkippedOverlap, 1, 'the second trigger, during the run, was skipped');
    assert.equal(d.info.recentActions.length, 1, 'one run started');

    await withWorker(
      'schedule',
      async () => {
        const runId = d.info.recentActions[0].action.workflow.workflowId;
        const result = await client.workflow.getHandle(runId).result();
        assert.equal(result.rows, 1500);
        const status = await runCli(['status', runId, '--json'], { TEMPORAL_ADDRESS: temporalAddress(), AUTOSEG_TASK_QUEUE: taskQueue });
        assert.equal(status.code, 0, status.stderr);
        const shown = JSON.parse(status.stdout) as { status: string; progress: { stage: string; completed: { stage: string }[] } | null };
        assert.equal(shown.status, 'COMPLETED');
        assert.equal(shown.progress?.stage, 'done');
        // Every stage reported, in order, the pre-flight `check` first.
        assert.deepEqual(
          shown.progress?.completed.map((c) => c.stage),
          [...STAGES],
          'every stage reported',
        );
        const [[rows, runIds]] = await queryRows(`SELECT count(*), count(DISTINCT run_id) FROM ${OUTPUT}`);
        assert.deepEqual([rows, runIds], [1500, 1]);

        await cli(taskQueue, 'pause', id, '--note', 'holiday freeze');
        assert.equal(((await cli(taskQueue, 'describe', id)) as { paused: boolean }).paused, true);
        await cli(taskQueue, 'unpause', id);
        assert.equal(((await cli(taskQueue, 'describe', id)) as { paused: boolean }).paused, false);
        const listed = (await cli(taskQueue, 'list')) as { scheduleId: string }[];
        assert.ok(listed.some((s) => s.scheduleId === id));
        await cli(taskQueue, 'delete', id);
        await assert.rejects(handle.describe(), /not found/i);
      },
      { taskQueue },
    );
  } finally {
    await connection.close();
  }
});

test('a schedule reading or writing worker files is refused unless AUTOSEG_FILE_ROOTS allows the paths', async () => {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'autoseg-sched-root-')));
  const connection = await Connection.connect({ address: temporalAddress() });
  const client = new Client({ connection });
  try {
    await writeFile(join(root, 'customers.csv'), 'id,x\n1,2\n');
    const env = { TEMPORAL_ADDRESS: temporalAddress(), TRINO_URL: trinoUrl(), AUTOSEG_TASK_QUEUE: `sched-files-${process.pid}` };
    const id = `files-${Date.now()}`;
    const create = (extra: NodeJS.ProcessEnv, ...args: string[]) => runCli(['schedule', 'create', id, '--cron', '0 2 * * *', '--user-id', 'id', '--k-max', '3', ...args], { ...env, ...extra });

    const passwd = await create({ AUTOSEG_FILE_ROOTS: '' }, '--input', '/etc/passwd', '--output-table', OUTPUT);
    assert.equal(passwd.code, 2, passwd.stderr);
    assert.match(passwd.stderr, /source file \/etc\/passwd refused: this service has no file access .*AUTOSEG_FILE_ROOTS/);
    const noRoots = await create({ AUTOSEG_FILE_ROOTS: '' }, '--input', join(root, 'customers.csv'), '--output-table', OUTPUT);
    assert.equal(noRoots.code, 2, noRoots.stderr);
    const outDir = await create({ AUTOSEG_FILE_ROOTS: root }, '--source-table', SOURCE, '--out', '/');
    assert.equal(outDir.code, 2, outDir.stderr);
    assert.match(outDir.stderr, /output directory \/ refused: it is not under an allowed directory/);
    await assert.rejects(client.schedule.getHandle(id).describe(), /not found/i, 'no schedule created');

    const allowed = await create({ AUTOSEG_FILE_ROOTS: root }, '--input', join(root, 'customers.csv'), '--out', join(root, 'out'), '--paused');
    assert.equal(allowed.code, 0, allowed.stderr);
    const d = await client.schedule.getHandle(id).describe();
    assert.equal(d.action.type, 'startWorkflow');
    await client.schedule.getHandle(id).delete();
  } finally {
    await connection.close();
    await rm(root, { recursive: true, force: true });
  }
});
