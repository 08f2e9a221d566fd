/**
 * The watchdog that ties a server started by startProcess to the life of the process that started
 * it. It is plain JavaScript run by `process.execPath -e`, so it needs neither tsx nor a file next
 * to the compiled code (tsc does not copy .js files into dist/).
 *
 * startProcess spawns it detached (it leads a new process group and session) with a pipe on its
 * stdin whose only writer is the parent. It starts the real command as its child, in that same
 * group (so the ManagedProcess pid, the watchdog's, names a group that holds the server), then:
 *  - stdin reaches EOF (the parent died, however: SIGKILL, OOM kill, exit without stop(); the
 *    kernel closes the parent's end of the pipe): SIGTERM to the group, SIGKILL after the grace
 *    period, and exit;
 *  - the command exits on its own: SIGKILL to whatever it left in the group, exit with its code
 *    (128 + signal number when a signal ended it);
 *  - SIGTERM / SIGINT / SIGHUP: not forwarded. They come from ManagedProcess.stop(), which signals
 *    the whole group, so the command got the same signal; the watchdog exits once the command has
 *    (and if the parent then dies mid-stop, it only adds the SIGKILL after the grace period).
 *    Signalling the watchdog's pid alone with those therefore does nothing: signal the group (-pid);
 *  - SIGUSR2 to the watchdog alone (ManagedProcess.kill()): SIGKILL to the command now, for a
 *    server with nothing to save; the watchdog reaps it and exits as above, without a log line.
 *
 * Usage: node -e WATCHDOG_BOOTSTRAP -- autoseg-watchdog GRACE_MS COMMAND [ARGS...]
 * with the source in the environment variable WATCHDOG_SOURCE_ENV (removed before COMMAND starts).
 */
export const WATCHDOG_SOURCE_ENV = 'AUTOSEG_WATCHDOG_SOURCE';

/** The `-e` program: runs the watchdog source from the environment (keeps `ps` output short). */
export const WATCHDOG_BOOTSTRAP = `eval(process.env.${WATCHDOG_SOURCE_ENV})`;

/** argv for process.execPath that runs `command args` under the watchdog. */
export function watchdogArgv(graceMs: number, command: string, args: readonly string[]): string[] {
  return ['-e', WATCHDOG_BOOTSTRAP, '--', 'autoseg-watchdog', String(Math.max(0, Math.round(graceMs))), command, ...args];
}

export const WATCHDOG_SOURCE = String.raw`
'use strict';
(() => {
  const { spawn } = require('node:child_process');
  const { readdirSync, readFileSync } = require('node:fs');
  const { constants } = require('node:os');
  delete process.env.${WATCHDOG_SOURCE_ENV};
  const [marker, graceArg, command, ...args] = process.argv.slice(1);
  if (marker !== 'autoseg-watchdog' || !command) {
    process.stderr.write('usage: node -e <watchdog> -- autoseg-watchdog GRACE_MS COMMAND [ARGS...]\n');
    process.exit(2);
  }
  const graceMs = Number(graceArg) || 0;
  const group = process.pid; // spawned detached: it leads its own process group
  const log = (msg) => process.stderr.write('[autoseg watchdog ' + process.pid + '] ' + new Date().toISOString() + ' ' + msg + '\n');
  const signalGroup = (sig) => { try { process.kill(-group, sig); } catch { /* gone */ } };

  // Other live members of the group (Linux /proc; elsewhere none are found).
  const others = () => {
    const pids = [];
    let entries = [];
    try { entries = readdirSync('/proc'); } catch { return pids; }
    for (const e of entries) {
      if (!/^[0-9]+$/.test(e) || Number(e) === process.pid) continue;
      try {
        const stat = readFileSync('/proc/' + e + '/stat', 'utf8');
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // state ppid pgrp ...
        if (Number(f[2]) === group && f[0] !== 'Z' && f[0] !== 'X') pids.push(Number(e));
      } catch { /* exited meanwhile */ }
    }
    return pids;
  };

  // A group signal (stop()) reached the command too: wait for it to exit, and remember it was sent.
  let signalled = false;
  for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(sig, () => { signalled = true; });

  let exited = false;
  let orphaned = false;
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  let killed = false;
  process.on('SIGUSR2', () => {
    killed = true;
    try { child.kill('SIGKILL'); } catch { /* gone */ }
  });
  child.on('error', (e) => {
    exited = true;
    log('cannot start ' + command + ': ' + e.message);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    exited = true;
    const left = others();
    for (const pid of left) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    const status = code ?? 128 + (constants.signals[signal] ?? 0);
    if (orphaned || left.length > 0 || (status !== 0 && !killed)) {
      log(command + ' (pid ' + child.pid + ') exited with ' + (signal ?? 'code ' + code) + (left.length > 0 ? '; killed what it left in its group: ' + left.join(' ') : ''));
    }
    process.exit(status);
  });

  const parentGone = () => {
    if (orphaned) return;
    orphaned = true;
    if (exited) return;
    log('the process that started ' + command + ' (pid ' + child.pid + ') is gone: ' + (signalled ? 'it was stopping it' : 'SIGTERM to its group') + ', SIGKILL after ' + graceMs + ' ms');
    if (!signalled) signalGroup('SIGTERM');
    setTimeout(() => {
      log('still running after ' + graceMs + ' ms: SIGKILL');
      signalGroup('SIGKILL'); // the watchdog too
    }, graceMs);
  };
  process.stdin.on('end', parentGone);
  process.stdin.on('close', parentGone);
  process.stdin.on('error', parentGone);
  process.stdin.resume(); // nothing is ever written: only EOF matters
})();
`;
