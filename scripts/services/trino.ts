import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort, startOnFreePorts, startProcess, waitUntilReady, type ManagedProcess } from '../../src/embedded/process';

/**
 * A single-node Trino started for the tests, with catalogs `tpch`, `memory` and `iceberg` (an
 * Iceberg lakehouse whose metastore and data files live under the work dir, see icebergCatalog).
 */
export interface TrinoServer {
  readonly url: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

const JAVA_HOME = process.env.AUTOSEG_TRINO_JAVA_HOME ?? '/usr/lib/jvm/temurin-25-jdk-amd64';

/** The unpacked Trino home, downloaded once by scripts/ensure-trino.sh. */
export function trinoHome(): string {
  return execFileSync('bash', [resolve(__dirname, '../ensure-trino.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * The `iceberg` catalog: Trino's Iceberg connector with its file metastore
 * (TESTING_FILE_METASTORE: schema and table metadata as files, no Hive metastore service to run)
 * on the native local file system. `local.location` is the root of the `local://` scheme (a plain
 * path that must exist at startup); every location below it, the metastore's included, is
 * `local:///<relative path>`.
 */
export function icebergCatalog(warehouseDir: string): string {
  return ['connector.name=iceberg', 'iceberg.catalog.type=TESTING_FILE_METASTORE', 'hive.metastore.catalog.dir=local:///', 'fs.native-local.enabled=true', `local.location=${warehouseDir}`, ''].join(
    '\n',
  );
}

function writeConfig(etc: string, dataDir: string, icebergDir: string, port: number, queryMemoryGb: number): void {
  mkdirSync(join(etc, 'catalog'), { recursive: true });
  writeFileSync(join(etc, 'node.properties'), `node.environment=autoseg_test\nnode.id=autoseg-test-${port}\nnode.data-dir=${dataDir}\n`);
  writeFileSync(
    join(etc, 'config.properties'),
    [
      'coordinator=true',
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${port}`,
      `discovery.uri=http://127.0.0.1:${port}`,
      // Per-query memory (the heap is sized so that it plus Trino's 30% headroom fits): 4 GB for the tests; bench:scale gives sf100's exact profile of 15M
      // distinct comments more (its GROUP BY and windows hold every distinct value).
      `query.max-memory=${queryMemoryGb}GB`,
      `query.max-memory-per-node=${queryMemoryGb}GB`,
      // One node, two cores: keep the task fan-out small so queries start fast.
      'task.concurrency=2',
      'task.max-worker-threads=8',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(etc, 'jvm.config'),
    ['-server', `-Xmx${Math.ceil(queryMemoryGb / 0.7) + 2}G`, '-XX:+UseG1GC', '-XX:+ExitOnOutOfMemoryError', '-Djdk.attach.allowAttachSelf=true', '-XX:ReservedCodeCacheSize=256M', ''].join('\n'),
  );
  writeFileSync(join(etc, 'log.properties'), 'io.trino=WARN\n');
  writeFileSync(join(etc, 'catalog', 'tpch.properties'), 'connector.name=tpch\n');
  writeFileSync(join(etc, 'catalog', 'memory.properties'), 'connector.name=memory\nmemory.max-data-per-node=4GB\n');
  writeFileSync(join(etc, 'catalog', 'iceberg.properties'), icebergCatalog(icebergDir));
}

/**
 * Starts Trino under `workDir` on `port` (default: a free one); ready once /v1/info says it is
 * no longer starting and a query runs. Restarting on the same port models a warehouse restart.
 */
export async function startTrino(workDir: string, opts: { port?: number; queryMemoryGb?: number } = {}): Promise<TrinoServer> {
  const queryMemoryGb = opts.queryMemoryGb ?? 4;
  // A given port is the warehouse's address (a restart must keep it): losing it is a real failure.
  if (opts.port !== undefined) return startTrinoOn(workDir, opts.port, queryMemoryGb);
  return startOnFreePorts(async () => startTrinoOn(workDir, await freePort(), queryMemoryGb));
}

async function startTrinoOn(workDir: string, port: number, queryMemoryGb: number): Promise<TrinoServer> {
  const home = trinoHome();
  const etc = join(workDir, 'etc');
  const data = join(workDir, 'data');
  // The iceberg catalog's tables: kept across a restart on the same workDir, removed with it.
  const iceberg = join(workDir, 'iceberg');
  mkdirSync(data, { recursive: true });
  mkdirSync(iceberg, { recursive: true });
  writeConfig(etc, data, iceberg, port, queryMemoryGb);
  const proc = startProcess({
    name: 'Trino',
    command: join(home, 'bin', 'launcher'),
    args: ['run', `--etc-dir=${etc}`, `--data-dir=${data}`],
    env: { ...process.env, JAVA_HOME, PATH: `${JAVA_HOME}/bin:${process.env.PATH}` },
    logFile: join(workDir, 'trino.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(
    proc,
    async () => {
      const info = (await (await fetch(`${url}/v1/info`)).json()) as { starting?: boolean };
      if (info.starting !== false) return false;
      return await runProbeQuery(url);
    },
    `waiting for ${url}/v1/info to report started`,
    180_000,
  );
  return { url, process: proc, stop: () => proc.stop(20_000) };
}

/** Runs `SELECT count(*) FROM tpch.tiny.nation` over the REST protocol; true once it returns 25. */
async function runProbeQuery(url: string): Promise<boolean> {
  const headers = { 'X-Trino-User': 'autoseg' };
  let res = (await (await fetch(`${url}/v1/statement`, { method: 'POST', headers, body: 'SELECT count(*) FROM tpch.tiny.nation' })).json()) as TrinoPage;
  for (;;) {
    if (res.error) return false;
    if (res.data?.[0]?.[0] === 25) return true;
    if (!res.nextUri) return false;
    res = (await (await fetch(res.nextUri, { headers })).json()) as TrinoPage;
  }
}

interface TrinoPage {
  nextUri?: string;
  data?: unknown[][];
  error?: unknown;
}
