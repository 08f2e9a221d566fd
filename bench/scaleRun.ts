/**
 * One run of `npm run bench:scale`: a fresh `autoseg worker` process on its own task queue, then
 * `autoseg run ... --json` as a client (both are the real CLI, `node --import tsx
 * src/cli/index.ts`, so each pid is the node process that does the work), timed from the client's
 * spawn to its exit; the worker's, the client's and the Trino JVM's memory polled meanwhile; the
 * output table checked against the source's row count.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import type { Client } from '@temporalio/client';
import { Trino, BasicAuth } from 'trino-client';
import type { RunSummary } from '../src/activities/types';
import { progressQuery } from '../src/workflows/progress';
import { Meter, poll, type MeterReading } from './scaleProc';

export type Engine = 'trino' | 'worker';
export const STAGE_COLUMNS = ['check', 'extract', 'engineer', 'score', 'cluster', 'explain', 'write', 'report', 'finish'] as const;

export interface Case {
  scale: string;
  engine: Engine;
  source: string;
  output: string;
  userId: string;
  expectedRows: number;
}

export interface BenchContext {
  root: string;
  work: string;
  env: NodeJS.ProcessEnv;
  trinoUrl: string;
  trinoJvmPid: number | undefined;
  client: Client;
  timeoutMs: number;
  /** A run whose activity fails this many times in a row is stopped (the workflow would retry it until its deadline). */
  maxAttempts: number;
  /** Run this compiled CLI entry (compiled.ts) instead of the TypeScript sources through tsx. */
  compiledCli?: string;
}

export interface CaseResult {
  scale: string;
  engine: Engine;
  ok: boolean;
  error?: string;
  source: string;
  output: string;
  expectedRows: number;
  /** Customers segmented (the summary's `rows`). */
  rows: number | null;
  wallS: number | null;
  rowsPerS: number | null;
  /** Seconds per stage: the summary's timings, plus `finish` from the workflow's progress query. */
  stagesS: Record<string, number>;
  worker: MeterReading | null;
  client: MeterReading | null;
  trino: MeterReading | null;
  workerStartS: number | null;
  /** The engine the run reports: mode, reason, source rows, rows read into the worker. */
  engineUsed: RunSummary['engine'] | null;
  k: number | null;
  features: number | null;
  runId: string | null;
  verified: { count: number; distinct: number } | null;
  loadavgBefore: number[];
  logs: { worker: string; client: string };
}

/** All rows of `sql`, straight from Trino. */
export async function trinoQuery(url: string, sql: string): Promise<unknown[][]> {
  const trino = Trino.create({ server: url, auth: new BasicAuth('autoseg-bench') });
  const rows: unknown[][] = [];
  for await (const page of await trino.query(sql)) {
    if (page.error) throw new Error(`Trino: ${page.error.message}\n${sql}`);
    rows.push(...(page.data ?? []));
  }
  return rows;
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits;
const lastLines = (text: string, n = 15): string => text.trim().split('\n').slice(-n).join('\n');

/** The worker and client processes running now: scale.ts kills them if the bench is interrupted. */
export const liveChildren = new Set<ChildProcess>();

function cli(ctx: BenchContext, args: string[], env: NodeJS.ProcessEnv, logFile: string): { child: ChildProcess; out: () => string; err: () => string; exit: Promise<number> } {
  const entry = ctx.compiledCli === undefined ? ['--import', 'tsx', join(ctx.root, 'src', 'cli', 'index.ts')] : [ctx.compiledCli];
  const child = spawn(process.execPath, [...entry, ...args], { cwd: ctx.root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  liveChildren.add(child);
  const log = createWriteStream(logFile, { flags: 'a' });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
    log.write(d);
  });
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    log.write(d);
  });
  const exit = new Promise<number>((res) => {
    child.once('exit', (code, signal) => {
      liveChildren.delete(child);
      log.end();
      res(code ?? (signal ? 128 : 1));
    });
    child.once('error', (e) => {
      liveChildren.delete(child);
      err += `spawn failed: ${e.message}\n`;
      log.end();
      res(127);
    });
  });
  return { child, out: () => out, err: () => err, exit };
}

/** SIGTERM (the worker drains and exits), SIGKILL after `graceMs`. */
async function stopChild(child: ChildProcess, exit: Promise<number>, graceMs = 20_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exit;
  clearTimeout(timer);
}

interface ActivityFailure {
  activityType: string;
  attempt: number;
  message: string;
}

/** The worker's `Activity failed {...}` log lines (src/shared/logging.ts: `LEVEL message {meta}`), parsed. */
function activityFailures(text: string): ActivityFailure[] {
  const out: ActivityFailure[] = [];
  for (const line of text.split('\n')) {
    const at = line.indexOf('Activity failed {');
    if (at < 0) continue;
    try {
      const meta = JSON.parse(line.slice(line.indexOf('{', at))) as { activityType?: string; attempt?: number; error?: { message?: string } };
      out.push({ activityType: meta.activityType ?? '?', attempt: meta.attempt ?? 0, message: meta.error?.message ?? '?' });
    } catch {
      /* a line cut short */
    }
  }
  return out;
}

/** Cancels the runs still open on `taskQueue` (a client killed by the bench) and waits for their cleanup stage. */
async function cancelOpenRuns(ctx: BenchContext, taskQueue: string): Promise<void> {
  try {
    for await (const wf of ctx.client.workflow.list({ query: `TaskQueue = '${taskQueue}' AND ExecutionStatus = 'Running'` })) {
      const handle = ctx.client.workflow.getHandle(wf.workflowId);
      await handle.cancel();
      await withTimeout(
        handle.result().catch(() => undefined),
        120_000,
        `cleanup of the cancelled run ${wf.workflowId}`,
      );
    }
  } catch (e) {
    console.error(`[scale] could not cancel the open runs on ${taskQueue}: ${(e as Error).message}`);
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, rej) => {
      timer = setTimeout(() => rej(new Error(`${what}: no answer after ${ms / 1000} s`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

export async function runCase(c: Case, ctx: BenchContext): Promise<CaseResult> {
  const name = `${c.scale}-${c.engine}`;
  const result: CaseResult = {
    scale: c.scale,
    engine: c.engine,
    ok: false,
    source: c.source,
    output: c.output,
    expectedRows: c.expectedRows,
    rows: null,
    wallS: null,
    rowsPerS: null,
    stagesS: {},
    worker: null,
    client: null,
    trino: null,
    workerStartS: null,
    engineUsed: null,
    k: null,
    features: null,
    runId: null,
    verified: null,
    loadavgBefore: loadavg().map((x) => round(x, 2)),
    logs: { worker: join(ctx.work, `${name}.worker.log`), client: join(ctx.work, `${name}.client.log`) },
  };
  for (const t of [c.output, `${c.output}_model`]) await trinoQuery(ctx.trinoUrl, `DROP TABLE IF EXISTS ${t}`);
  const taskQueue = `bench-scale-${name}-${Date.now()}`;
  const env: NodeJS.ProcessEnv = { ...ctx.env, AUTOSEG_TASK_QUEUE: taskQueue };

  // The worker, started and ready (its workflow bundle built) before the clock starts: a deployed worker is long-lived.
  const t0 = performance.now();
  const worker = cli(ctx, ['worker'], env, result.logs.worker);
  const workerMeter = new Meter(worker.child.pid!, true);
  try {
    await withTimeout(
      new Promise<void>((res, rej) => {
        const check = () => {
          if (/state changed.*RUNNING/i.test(worker.err())) res();
        };
        worker.child.stderr!.on('data', check);
        check();
        void worker.exit.then((code) => rej(new Error(`autoseg worker exited with ${code} before it was ready:\n${lastLines(worker.err())}`)));
      }),
      180_000,
      'autoseg worker start',
    );
    result.workerStartS = round((performance.now() - t0) / 1000);

    const trinoMeter = ctx.trinoJvmPid === undefined ? undefined : new Meter(ctx.trinoJvmPid, false);
    workerMeter.reset();
    trinoMeter?.reset();
    const args = ['run', '--engine', c.engine, '--source-table', c.source, '--user-id', c.userId, '--output-table', c.output, '--json', '--seed', '1'];
    const start = performance.now();
    const run = cli(ctx, args, env, result.logs.client);
    const clientMeter = new Meter(run.child.pid!, true);
    const poller = poll([workerMeter, clientMeter, ...(trinoMeter ? [trinoMeter] : [])]);
    // Stop the client on a timeout, or when an activity keeps failing (the workflow retries until its deadline, hours away).
    let stopped = '';
    const stopRun = (why: string) => {
      if (!stopped) {
        stopped = why;
        run.child.kill('SIGTERM');
      }
    };
    const watchFailures = () => {
      const last = activityFailures(worker.err()).at(-1);
      if (last && last.attempt >= ctx.maxAttempts) stopRun(`${last.activityType} failed ${last.attempt} times; the workflow would retry it until its deadline`);
    };
    worker.child.stderr!.on('data', watchFailures);
    let code: number;
    try {
      const timer = setTimeout(() => stopRun(`timeout after ${ctx.timeoutMs / 60_000} min`), ctx.timeoutMs);
      code = await run.exit;
      clearTimeout(timer);
    } finally {
      worker.child.stderr!.off('data', watchFailures);
      poller.stop();
    }
    const wall = (performance.now() - start) / 1000;
    result.worker = workerMeter.read();
    result.client = clientMeter.read();
    result.trino = trinoMeter?.read() ?? null;
    if (code !== 0) {
      if (stopped) await cancelOpenRuns(ctx, taskQueue);
      const last = activityFailures(worker.err()).at(-1);
      throw new Error(
        [
          `autoseg ${args.join(' ')} ${stopped ? `stopped by the bench (${stopped})` : `exited with ${code}`}`,
          ...(last ? [`last activity failure: ${last.activityType} attempt ${last.attempt}: ${last.message}`] : []),
          ...(run.err().trim() ? [lastLines(run.err())] : []),
        ].join('\n'),
      );
    }

    const summary = JSON.parse(run.out().slice(run.out().indexOf('{'))) as RunSummary;
    result.wallS = round(wall);
    result.rows = summary.rows;
    result.rowsPerS = Math.round(summary.rows / wall);
    result.engineUsed = summary.engine ?? null;
    result.k = summary.k;
    result.features = summary.features;
    result.runId = summary.runId;
    for (const t of summary.timings) result.stagesS[t.stage] = round(t.ms / 1000);
    // `finish` produces the summary, so its own time is only in the workflow's progress (the worker answers the query).
    try {
      const progress = await withTimeout(ctx.client.workflow.getHandle(summary.runId).query(progressQuery), 20_000, 'progress query');
      for (const t of progress.completed) result.stagesS[t.stage] ??= round(t.ms / 1000);
    } catch (e) {
      console.error(`[scale] ${name}: finish time unknown (${(e as Error).message})`);
    }
  } catch (e) {
    result.error = (e as Error).message;
    return result;
  } finally {
    await stopChild(worker.child, worker.exit);
  }

  try {
    if (result.engineUsed?.mode !== c.engine) throw new Error(`asked for engine ${c.engine}, the run used ${result.engineUsed?.mode ?? 'an unreported engine'}`);
    const [[count, distinct]] = await trinoQuery(ctx.trinoUrl, `SELECT count(*), count(DISTINCT ${c.userId}) FROM ${c.output}`);
    result.verified = { count: Number(count), distinct: Number(distinct) };
    if (result.verified.count !== c.expectedRows || result.verified.distinct !== c.expectedRows || result.rows !== c.expectedRows) {
      throw new Error(`${c.output}: ${result.verified.count} rows, ${result.verified.distinct} distinct ${c.userId}, summary rows ${result.rows}; the source has ${c.expectedRows}`);
    }
    result.ok = true;
  } catch (e) {
    result.error = `verification: ${(e as Error).message}`;
  }
  return result;
}
