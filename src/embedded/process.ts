import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { WATCHDOG_SOURCE, WATCHDOG_SOURCE_ENV, watchdogArgv } from './watchdog';

/**
 * A server process started by autoseg: its own process group, output in a log file, and stopped
 * when the process that started it dies, however it dies (see ./watchdog).
 */
export interface ManagedProcess {
  readonly name: string;
  /** Leader of the process group that holds the server (the watchdog's pid): `process.kill(-pid, 0)` fails once all is gone. */
  readonly pid: number;
  readonly logFile: string;
  /** Stops the whole process group (SIGTERM, then SIGKILL after `graceMs`); resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** True while the process has not exited. */
  alive(): boolean;
}

export interface StartOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** When the parent dies without stop(): how long the server gets between SIGTERM and SIGKILL. Default 5 s. */
  orphanGraceMs?: number;
}

/**
 * Starts `command` logging to `logFile`, in a new process group (so that stop() can signal the
 * whole group) under a watchdog that leads that group and holds a pipe from this process: when
 * this process dies (SIGKILL included) the pipe closes and the watchdog stops the group.
 */
export function startProcess(opts: StartOptions): ManagedProcess {
  const fd = openSync(opts.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, watchdogArgv(opts.orphanGraceMs ?? 5_000, opts.command, opts.args), {
      cwd: opts.cwd,
      env: { ...(opts.env ?? process.env), [WATCHDOG_SOURCE_ENV]: WATCHDOG_SOURCE },
      detached: true,
      // stdin: a pipe whose only writer is this process (libuv opens it close-on-exec, so no
      // other child inherits it); its EOF tells the watchdog that this process is gone.
      stdio: ['pipe', fd, fd],
    });
  } finally {
    closeSync(fd);
  }
  if (child.pid === undefined) throw new Error(`${opts.name}: could not start ${opts.command} (see ${opts.logFile})`);
  const pid = child.pid;
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => { exited = true; resolve(); }));
  child.once('error', () => { /* reported through 'exit' / alive() */ });
  // Neither the process nor the pipe keeps this process alive: exiting closes the pipe, and the watchdog stops the server.
  child.unref();
  child.stdin?.on('error', () => { /* the watchdog is gone: nothing to tell it */ });
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const signal = (sig: NodeJS.Signals): void => {
    try { process.kill(-pid, sig); } catch { /* the group is already gone */ }
  };
  const groupExists = (): boolean => {
    try { process.kill(-pid, 0); return true; } catch { return false; }
  };
  /** SIGKILLs what is left in the group and waits (briefly) until the kernel has removed it all. */
  const finish = async (): Promise<void> => {
    signal('SIGKILL');
    for (const deadline = Date.now() + 2_000; groupExists() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
  };
  return {
    name: opts.name,
    pid,
    logFile: opts.logFile,
    alive: () => !exited,
    async stop(graceMs = 10_000) {
      if (exited) return finish();
      child.ref(); // keep this process up until the group is gone: exiting now would only restart the stop
      signal('SIGTERM'); // the server and the watchdog, which waits for the server to exit
      const timer = setTimeout(() => signal('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
      await finish(); // children the server left behind
    },
  };
}

/** Polls `check` until it returns true; fails with the last lines of the log if the process dies or time runs out. */
export async function waitUntilReady(proc: ManagedProcess, check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!proc.alive()) throw new Error(`${proc.name} exited while ${what}.\nLast lines of ${proc.logFile}:\n${tail(proc.logFile)}`);
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await proc.stop(2_000);
  throw new Error(`${proc.name} was not ready after ${timeoutMs / 1000} s (${what}; last error: ${lastError || 'none'}).\nLast lines of ${proc.logFile}:\n${tail(proc.logFile)}`);
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export function tail(file: string, lines = 30): string {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
}
