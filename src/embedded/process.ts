import { spawn, type ChildProcess } from 'node:child_process';
import { openSync, closeSync, readFileSync, existsSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
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
  /** Size of `logFile` when this process started: what it wrote begins there (the log is appended to across restarts). */
  readonly logOffset: number;
  /** Stops the whole process group (SIGTERM, then SIGKILL after `graceMs`); resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
  /** Ends the server at once (SIGKILL, through its watchdog, which reaps it), for a server with nothing to save; resolves once the group is gone. */
  kill(): Promise<void>;
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
  const logOffset = existsSync(opts.logFile) ? statSync(opts.logFile).size : 0;
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
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      resolve();
    }),
  );
  child.once('error', () => {
    /* reported through 'exit' / alive() */
  });
  // Neither the process nor the pipe keeps this process alive: exiting closes the pipe, and the watchdog stops the server.
  child.unref();
  child.stdin?.on('error', () => {
    /* the watchdog is gone: nothing to tell it */
  });
  (child.stdin as unknown as { unref?: () => void } | null)?.unref?.();
  const signal = (sig: NodeJS.Signals): void => {
    try {
      process.kill(-pid, sig);
    } catch {
      /* the group is already gone */
    }
  };
  const groupExists = (): boolean => {
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
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
    logOffset,
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
    async kill() {
      if (exited) return finish();
      child.ref();
      // the watchdog SIGKILLs its command and exits; a group SIGKILL only if that does not happen
      try {
        process.kill(pid, 'SIGUSR2');
      } catch {
        /* the watchdog is gone */
      }
      const timer = setTimeout(() => signal('SIGKILL'), 2_000);
      await exit;
      clearTimeout(timer);
      await finish();
    },
  };
}

/** The server exited at startup because another process bound its port first (see startOnFreePorts). */
export class PortInUseError extends Error {}

/** Polls `check` until it returns true; fails with the log's errors and last lines if the process dies or time runs out. */
export async function waitUntilReady(proc: ManagedProcess, check: () => Promise<boolean>, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError = '';
  while (Date.now() < deadline) {
    if (!proc.alive()) {
      const log = readSince(proc.logFile, proc.logOffset);
      const message = `${proc.name} exited while ${what}.\n${logExcerpt(proc.logFile, log)}`;
      throw /address already in use/i.test(log) ? new PortInUseError(message) : new Error(message);
    }
    try {
      if (await check()) return;
    } catch (e) {
      lastError = e instanceof Error ? e.message : String(e);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await proc.stop(2_000);
  throw new Error(`${proc.name} was not ready after ${timeoutMs / 1000} s (${what}; last error: ${lastError || 'none'}).\n${logExcerpt(proc.logFile, readSince(proc.logFile, proc.logOffset))}`);
}

/**
 * Starts a server on ports picked by freePort(), again on new ones if it lost a port to another
 * process between the pick and its own bind (CI once lost Trino's HTTP port to the Temporal dev
 * server starting beside it). Any other failure is final.
 */
export async function startOnFreePorts<T>(start: () => Promise<T>, attempts = 4): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (e) {
      if (!(e instanceof PortInUseError) || attempt >= attempts) throw e;
    }
  }
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

/** Whether something accepts TCP connections on 127.0.0.1:port (a refused or silent port answers false within timeoutMs). */
export function portAccepts(port: number, timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function readSince(file: string, offset: number): string {
  return existsSync(file) ? readFileSync(file).subarray(offset).toString('utf8') : '';
}

/**
 * What a failed start wrote: first its error lines (a JVM's cause sits hundreds of lines above
 * the end, under Guice's class legend), then its last lines.
 */
export function logExcerpt(file: string, log: string, lines = 30): string {
  if (!log) return `(nothing in ${file})`;
  const all = log.split('\n');
  const errors = [...new Set(all.filter((l) => /Caused by|\bERROR\b|Exception:|\berror\b/i.test(l)).map((l) => l.trim()))].slice(0, 8);
  const parts = errors.length ? [`Errors in ${file}:`, ...errors, ''] : [];
  return [...parts, `Last lines of ${file}:`, ...all.slice(-lines)].join('\n');
}
