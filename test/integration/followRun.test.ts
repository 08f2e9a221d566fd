import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { STAGES } from '../../src/workflows/progress';

const root = resolve(__dirname, '../..');

interface Seen {
  workflowId: string;
  runId: string;
  link: string;
  page: number;
  api: { status: number; workflowId?: string; runId?: string; status_?: string };
  /** Whether the command was still running, its summary not printed, once both answered. */
  runningAfter: boolean;
  stdoutBefore: string;
}

/**
 * `autoseg run` on the embedded default, its stderr a pipe (no TTY), as in CI or a log: the
 * run's ids and its Temporal UI link come first, and the link works while the run is going;
 * then a timestamped line per stage with its elapsed time.
 */
test('a run prints its id and a working Temporal UI link at start, then plain progress lines with elapsed times', async () => {
  const out = mkdtempSync(join(tmpdir(), 'autoseg-follow-'));
  const args = ['run', '--input', 'examples/customers.csv', '--user-id', 'td_canonical_id', '--out', out, '--k-min', '2', '--k-max', '4'];
  const child = spawn(process.execPath, [join(root, 'bin', 'autoseg.js'), ...args], { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: '' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let seen: Promise<Seen> | undefined;
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    const started = /run (\S+) started \(Temporal run id (\S+)\)\n/.exec(stderr);
    const link = /Temporal UI: (\S+)\n/.exec(stderr);
    if (seen === undefined && started && link)
      seen = checkLink(
        started[1],
        started[2],
        link[1],
        () => child.exitCode === null && stdout === '',
        () => stdout,
      );
  });
  const code = await new Promise<number | null>((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`autoseg run timed out\n${stderr}`));
    }, 300_000);
    child.on('exit', (c) => {
      clearTimeout(timer);
      res(c);
    });
  });
  assert.equal(code, 0, stderr);
  assert.ok(seen, `no run id and UI link on stderr:\n${stderr}`);
  const s = await seen;

  // The link is the run's page, answered while the run was still going (the embedded server stops with the command).
  assert.equal(s.link, `${s.link.slice(0, s.link.indexOf('/namespaces/'))}/namespaces/default/workflows/${s.workflowId}/${s.runId}`);
  assert.ok(s.runningAfter, 'the UI answered before the command finished');
  assert.equal(s.stdoutBefore, '', 'no summary yet when the link was printed');
  assert.equal(s.page, 200);
  assert.deepEqual(s.api, { status: 200, workflowId: s.workflowId, runId: s.runId, status_: 'WORKFLOW_EXECUTION_STATUS_RUNNING' });
  assert.match(stdout, new RegExp(`^run ${s.workflowId}: 5000 customers`));

  // The order on stderr: the embedded server, the run's ids and link, then progress.
  const lines = stderr.trimEnd().split('\n');
  assert.match(lines[0], /^autoseg: embedded Temporal dev server on 127\.0\.0\.1:\d+, Web UI at http:\/\/127\.0\.0\.1:\d+ /);
  assert.match(lines[1], /^autoseg: run \S+ started/);
  assert.match(lines[2], /^autoseg: Temporal UI: http:\/\/127\.0\.0\.1:\d+\/namespaces\//);
  // No TTY: no carriage return, no escape code, every progress line timestamped, and each stage
  // has a line with its elapsed time (its start with stage and run time, or its end).
  assert.ok(!/[\r\x1b]/.test(stderr), `plain text only:\n${JSON.stringify(stderr)}`);
  const progress = lines.slice(3);
  for (const l of progress) assert.match(l, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z autoseg: \[\d+\/10\] \w+/, `a progress line: ${l}`);
  STAGES.forEach((stage, i) => {
    const mine = progress.filter((l) => l.includes(` autoseg: [${i + 1}/10] ${stage}`));
    assert.ok(
      mine.some((l) => / done in \d+(\.\d)? s.* \(run \d+(\.\d)? s\)$/.test(l)),
      `${stage} has a line with its time: ${mine.join(' | ')}`,
    );
  });
  assert.ok(
    progress.some((l) => / \(stage \d+(\.\d)? s, run \d+(\.\d)? s\)$/.test(l)),
    'lines of running stages show both times',
  );
  const times = progress.map((l) => Date.parse(l.slice(0, 24)));
  assert.deepEqual(
    times,
    [...times].sort((a, b) => a - b),
    'timestamps in order',
  );
  console.log(stderr);
});

/** Fetches the run's UI page and the UI's own API for it, then says whether the command was still running. */
async function checkLink(workflowId: string, runId: string, link: string, running: () => boolean, stdout: () => string): Promise<Seen> {
  const stdoutBefore = stdout();
  const page = await fetch(link);
  await page.text();
  const base = link.slice(0, link.indexOf('/namespaces/'));
  const res = await fetch(`${base}/api/v1/namespaces/default/workflows/${encodeURIComponent(workflowId)}?execution.runId=${encodeURIComponent(runId)}`);
  const body = (await res.json()) as { workflowExecutionInfo?: { execution?: { workflowId?: string; runId?: string }; status?: string } };
  const info = body.workflowExecutionInfo;
  return {
    workflowId,
    runId,
    link,
    page: page.status,
    api: { status: res.status, workflowId: info?.execution?.workflowId, runId: info?.execution?.runId, status_: info?.status },
    runningAfter: running(),
    stdoutBefore,
  };
}
