import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';

// Embedded services die with the process that started them, however it dies: the Temporal dev
// server of `autoseg run` on the embedded default, and anything started through startProcess.

const root = resolve(__dirname, '../..');

/** One process as /proc shows it; `start` (jiffies since boot) tells a reused pid apart. */
interface Proc {
  pid: number;
  ppid: number;
  pgrp: number;
  state: string;
  start: string;
  argv: string[];
}

function readProc(pid: number): Proc | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp session ... starttime is field 22
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      .split('\0')
      .filter((a) => a !== '');
    return { pid, ppid: Number(f[1]), pgrp: Number(f[2]), state: f[0], start: f[19], argv };
  } catch {
    return undefined;
  }
}

function processTable(): Proc[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .map((e) => readProc(Number(e)))
    .filter((p) => p !== undefined);
}

/** Every live process below `pid` (children, grandchildren...) plus the members of their process groups. */
function descendants(pid: number): Proc[] {
  const table = processTable().filter((p) => !isDead(p));
  const found = new Map<number, Proc>();
  let frontier = [pid];
  while (frontier.length > 0) {
    const next = table.filter((p) => frontier.includes(p.ppid) && !found.has(p.pid));
    for (const p of next) found.set(p.pid, p);
    frontier = next.map((p) => p.pid);
  }
  const own = table.find((p) => p.pid === pid)?.pgrp; // the test runner's group, not theirs
  const groups = new Set([...found.values()].map((p) => p.pgrp).filter((g) => g !== own));
  for (const p of table) if (groups.has(p.pgrp) && p.pid !== pid) found.set(p.pid, p);
  return [...found.values()];
}

const isDead = (p: Proc) => p.state === 'Z' || p.state === 'X'; // PID 1 here may never reap an orphan zombie

/** True while the very process `p` (same pid, same start time) runs. */
function stillRunning(p: Proc): boolean {
  const now = readProc(p.pid);
  return now !== undefined && now.start === p.start && !isDead(now);
}

function accepts(port: number): Promise<boolean> {
  return new Promise((res) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      res(true);
    });
    socket.once('error', () => res(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describe = (ps: Proc[]) => ps.map((p) => `${p.pid} ${p.argv.slice(0, 4).join(' ').slice(0, 120)}`).join('; ');

async function waitFor<T>(what: string, timeoutMs: number, f: () => T | undefined): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(100);
  }
}

/** SIGKILLs `parent`, then waits (at most `timeoutMs`) for all of `procs` to be gone; returns when each went (ms after the kill). */
async function killAndMeasure(parent: ChildProcess, procs: Proc[], timeoutMs: number): Promise<Map<Proc, number>> {
  const gone = new Map<Proc, number>();
  const t0 = Date.now();
  parent.kill('SIGKILL');
  for (;;) {
    for (const p of procs) if (!gone.has(p) && !stillRunning(p)) gone.set(p, Date.now() - t0);
    const left = procs.filter((p) => !gone.has(p));
    if (left.length === 0) return gone;
    if (Date.now() - t0 > timeoutMs) assert.fail(`still running ${timeoutMs / 1000} s after the SIGKILL of their parent: ${describe(left)}`);
    await sleep(50);
  }
}

const report = (gone: Map<Proc, number>) => [...gone].map(([p, ms]) => `${p.argv[0].split('/').pop()} ${p.argv.slice(1, 3).join(' ').slice(0, 40)}: ${ms} ms`).join(', ');

/** Whatever happened, nothing the test started survives it. */
function cleanUp(parent: ChildProcess | undefined, procs: Proc[]): void {
  if (parent && parent.exitCode === null && parent.signalCode === null) parent.kill('SIGKILL');
  for (const p of procs)
    if (stillRunning(p))
      try {
        process.kill(p.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
}

function collectOutput(child: ChildProcess): () => string {
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  return () => out;
}

test('`autoseg run` SIGKILLed on the embedded default leaves no Temporal dev server (nor anything else) behind', { timeout: 180_000 }, async () => {
  const out = mkdtempSync(join(tmpdir(), 'autoseg-orphans-'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env.TEMPORAL_ADDRESS; // the command starts its own dev server and worker
  let cli: ChildProcess | undefined;
  let started: Proc[] = [];
  try {
    cli = spawn(process.execPath, ['--import', 'tsx', 'src/cli/index.ts', 'run', '--input', 'examples/customers.csv', '--user-id', 'td_canonical_id', '--out', out], {
      cwd: root,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(cli);
    const cliPid = cli.pid!;
    let exitedEarly = false;
    cli.once('exit', () => (exitedEarly = true));
    // The server itself, not the CLI's short `server start-dev --help` probe for its flags.
    const isServer = (p: Proc) => p.argv[1] === 'server' && p.argv[2] === 'start-dev' && p.argv.includes('--port');
    const server = await waitFor('the dev server to start', 120_000, () => {
      if (exitedEarly) throw new Error(`autoseg run exited before its dev server started:\n${output()}`);
      return descendants(cliPid).find(isServer);
    });
    // Kill it once the server is up (its frontend accepts connections) and the CLI is using it.
    const port = Number(server.argv[server.argv.indexOf('--port') + 1]);
    const deadline = Date.now() + 60_000;
    while (!(await accepts(port))) {
      if (exitedEarly) throw new Error(`autoseg run exited before it was killed:\n${output()}`);
      if (Date.now() > deadline) throw new Error(`the dev server never listened on ${port}:\n${output()}`);
      await sleep(100);
    }
    started = descendants(cliPid);
    assert.ok(
      started.some((p) => p.pid === server.pid && p.start === server.start),
      `the dev server ${server.pid} is a descendant of the CLI: ${describe(started)}`,
    );
    const gone = await killAndMeasure(cli, started, 10_000);
    console.log(`# gone after the SIGKILL of autoseg run: ${report(gone)}`);
  } finally {
    cleanUp(cli, started);
  }
});

/** A node parent that starts `sleep 1000` through startProcess, prints the ManagedProcess pid, then holds or exits. */
function startParent(mode: 'hold' | 'exit'): { parent: ChildProcess; pid: Promise<number>; output: () => string } {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-orphans-'));
  const script = join(dir, 'parent.ts');
  writeFileSync(
    script,
    [
      `import { startProcess } from ${JSON.stringify(join(root, 'src/embedded/process'))};`,
      `const p = startProcess({ name: 'sleep', command: 'sleep', args: ['1000'], logFile: ${JSON.stringify(join(dir, 'sleep.log'))} });`,
      `console.log(JSON.stringify({ pid: p.pid }));`,
      mode === 'hold' ? 'setInterval(() => {}, 60_000);' : '// exits without stop()',
    ].join('\n'),
  );
  const parent = spawn(process.execPath, ['--import', 'tsx', script], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  const output = collectOutput(parent);
  const pid = waitFor('the parent to start its process', 30_000, () => {
    const m = /\{"pid":(\d+)\}/.exec(output());
    return m ? Number(m[1]) : undefined;
  });
  return { parent, pid, output: () => `${output()}\n${readLogs(dir)}` };
}

function readLogs(dir: string): string {
  try {
    return readFileSync(join(dir, 'sleep.log'), 'utf8');
  } catch {
    return '';
  }
}

/** Live members of a process group (a zombie is dead: an orphan's waits for PID 1 to reap it). */
const groupMembers = (pgid: number) => processTable().filter((q) => q.pgrp === pgid && !isDead(q));

test('a process started through startProcess dies with its parent when the parent is SIGKILLed', { timeout: 60_000 }, async () => {
  let parent: ChildProcess | undefined;
  let started: Proc[] = [];
  try {
    const p = startParent('hold');
    parent = p.parent;
    const pgid = await p.pid;
    const sleeper = await waitFor('sleep 1000 to start', 10_000, () => descendants(parent!.pid!).find((q) => q.argv[0] === 'sleep'));
    assert.equal(sleeper.pgrp, pgid, 'the ManagedProcess pid is the group holding the process');
    started = descendants(parent.pid!);
    const gone = await killAndMeasure(parent, started, 5_000);
    assert.deepEqual(groupMembers(pgid), [], 'no member of its process group is left');
    console.log(`# gone after the SIGKILL of their parent: ${report(gone)}`);
  } finally {
    cleanUp(parent, started);
  }
});

test('a process started through startProcess dies with its parent when the parent exits without stop()', { timeout: 60_000 }, async () => {
  let parent: ChildProcess | undefined;
  let started: Proc[] = [];
  try {
    const p = startParent('exit');
    parent = p.parent;
    const pgid = await p.pid;
    const t0 = Date.now();
    await new Promise<void>((res) => (parent!.exitCode !== null ? res() : parent!.once('exit', () => res())));
    started = groupMembers(pgid);
    await waitFor(`the group of ${pgid} to be gone (left: ${describe(started.filter(stillRunning))})`, 5_000, () => (groupMembers(pgid).length > 0 ? undefined : true));
    console.log(`# group ${pgid} gone ${Date.now() - t0} ms after its parent exited`);
  } finally {
    cleanUp(parent, started);
  }
});
