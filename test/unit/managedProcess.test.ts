import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import { freePort, PortInUseError, startOnFreePorts, startProcess, waitUntilReady, type ManagedProcess } from '../../src/embedded/process';

// startProcess runs a command under a watchdog that leads its process group (see
// src/embedded/watchdog.ts). Here the parent stays alive: stop(), alive() and the exit paths;
// test/integration/orphans.test.ts kills the parent.

const dir = mkdtempSync(join(tmpdir(), 'autoseg-managed-'));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Pids of the live (not zombie) processes of a group. */
function members(pgid: number): number[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .flatMap((e) => {
      try {
        const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return Number(f[2]) === pgid && f[0] !== 'Z' ? [Number(e)] : [];
      } catch {
        return [];
      }
    });
}

async function until(what: string, timeoutMs: number, f: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!f()) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

async function withProcess(name: string, script: string, body: (p: ManagedProcess) => Promise<void>): Promise<void> {
  const p = startProcess({ name, command: 'sh', args: ['-c', script], logFile: join(dir, `${name}.log`) });
  try {
    await body(p);
  } finally {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

test('stop() stops the server; pid is its process group, gone once stop() resolves (the check of scripts/run-tests.ts)', async () => {
  const p = startProcess({ name: 'sleep', command: 'sleep', args: ['1000'], logFile: join(dir, 'sleep.log') });
  try {
    await until('sleep to start', 5_000, () => members(p.pid).length === 2); // watchdog, sleep
    assert.equal(p.alive(), true);
    const t0 = Date.now();
    await p.stop(5_000);
    assert.ok(Date.now() - t0 < 4_000, `SIGTERM was enough (${Date.now() - t0} ms)`);
    assert.equal(p.alive(), false);
    assert.equal(groupAlive(p.pid), false);
  } finally {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
});

test('stop() stops the whole group, the command and its children', async () => {
  await withProcess('group', 'sleep 1000 & sleep 1000 & wait', async (p) => {
    await until('sh and its two sleeps', 5_000, () => members(p.pid).length >= 4); // watchdog, sh, 2 x sleep
    await p.stop(5_000);
    // The sleeps outlive sh by a moment: PID 1 inherits them and may take a moment to reap them.
    assert.deepEqual(members(p.pid), []);
  });
});

test('stop() SIGKILLs a command that ignores SIGTERM after the grace period', async () => {
  await withProcess('stubborn', "trap '' TERM; sleep 1000 & wait", async (p) => {
    await until('sh and its sleep', 5_000, () => members(p.pid).length >= 3);
    const t0 = Date.now();
    await p.stop(500);
    const ms = Date.now() - t0;
    assert.ok(ms >= 450 && ms < 5_000, `stopped after ${ms} ms`);
    assert.deepEqual(members(p.pid), []);
  });
});

test('kill() ends a server that ignores SIGTERM at once, and logs nothing', async () => {
  // exec: one process, which inherits the ignored SIGTERM (a server with children of its own
  // would leave them to PID 1 to reap, as in the group test above)
  await withProcess('killed', "trap '' TERM; exec sleep 1000", async (p) => {
    await until('the watchdog and sleep', 5_000, () => members(p.pid).length === 2);
    const t0 = Date.now();
    await p.kill();
    const ms = Date.now() - t0;
    assert.ok(ms < 1_500, `killed after ${ms} ms (the group SIGKILL fallback comes after 2 s)`);
    assert.equal(p.alive(), false);
    assert.deepEqual(members(p.pid), []);
    assert.doesNotMatch(readFileSync(join(dir, 'killed.log'), 'utf8'), /autoseg watchdog/);
  });
});

test('a command that exits on its own: alive() turns false, its exit is logged, what it left in its group is killed', async () => {
  await withProcess('exits', 'sleep 1000 & exit 3', async (p) => {
    await until('the watchdog to exit', 5_000, () => !p.alive());
    await until('the group to be empty', 2_000, () => members(p.pid).length === 0);
    assert.match(readFileSync(p.logFile, 'utf8'), /exited with code 3; killed what it left in its group: \d+/);
    await p.stop(); // harmless once gone
  });
});

test('a command that cannot start: alive() turns false and the log says why', async () => {
  const p = startProcess({ name: 'missing', command: join(dir, 'no-such-command'), args: [], logFile: join(dir, 'missing.log') });
  await until('the watchdog to exit', 5_000, () => !p.alive());
  assert.match(readFileSync(p.logFile, 'utf8'), /cannot start .*no-such-command: spawn .* ENOENT/);
});

// A server told to listen on a port: the first attempt gets a port another process already holds.
const LISTEN = `require('net').createServer().listen(Number(process.argv[1]), '127.0.0.1', () => console.log('listening'))`;

test('startOnFreePorts starts again on a new port when the server lost its port, and only then', async () => {
  const holder = createServer();
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', () => r()));
  const taken = (holder.address() as AddressInfo).port;
  const log = join(dir, 'listener.log');
  const ports: number[] = [];
  try {
    const server = await startOnFreePorts(async () => {
      const port = ports.length === 0 ? taken : await freePort();
      ports.push(port);
      const p = startProcess({ name: 'listener', command: process.execPath, args: ['-e', LISTEN, String(port)], logFile: log });
      await waitUntilReady(p, async () => readFileSync(log, 'utf8').includes('listening'), `listening on ${port}`, 20_000);
      return p;
    });
    assert.equal(ports.length, 2, 'one retry after the clash');
    assert.notEqual(ports[1], taken);
    assert.ok(server.alive());
    await server.stop(2_000);
  } finally {
    holder.close();
  }

  // Any other startup failure is final, and its message quotes the error lines of the log.
  let attempts = 0;
  await assert.rejects(
    startOnFreePorts(async () => {
      attempts++;
      const p = startProcess({ name: 'broken', command: 'sh', args: ['-c', 'echo "ERROR: config file is unreadable"; exit 3'], logFile: join(dir, 'broken.log') });
      await waitUntilReady(p, async () => false, 'starting', 20_000);
    }),
    (e: Error) => !(e instanceof PortInUseError) && /Errors in .*broken\.log:\nERROR: config file is unreadable/.test(e.message),
  );
  assert.equal(attempts, 1);
});
