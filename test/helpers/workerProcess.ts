import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

/** An `autoseg worker` in its own OS process, so a test can SIGKILL it mid-run. */
export interface WorkerProcess {
  readonly pid: number;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

export function startWorkerProcess(env: NodeJS.ProcessEnv, logName: string): WorkerProcess {
  const log = createWriteStream(join(process.env.AUTOSEG_TEST_OUTPUT ?? root, `${logName}.log`), { flags: 'a' });
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', join(root, 'src', 'worker.ts')], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  return {
    pid: child.pid ?? -1,
    async kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
