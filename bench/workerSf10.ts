/**
 * npm run bench:worker [-- tiny|sf1|sf10] [--streams N] [--own-services] [--tsx]
 *
 * Worker mode end to end on TPC-H `customer` (default sf10, 1.5M rows): `autoseg run --engine
 * worker --source-table tpch.<sf>.customer --user-id custkey --output-table
 * memory.default.segw_worker_<sf>`, through a fresh `autoseg worker` process, exactly as
 * bench:scale runs it (scaleRun.ts: timing, /proc meters, output check). Prints, against issue
 * 13's targets: extract rows/s (rows / the extract stage: count, scan, sort by id, stage), write-back
 * rows/s (rows / the write stage: staging, lock, swap), the engineer stage, wall time and the
 * worker process's peak RSS (VmHWM, reset when the run starts, and polled VmRSS), with PASS or
 * MISS; and, to show where memory goes, the worker's peak RSS during each activity (its start and
 * end from the workflow history, RSS sampled every 100 ms).
 *
 * Services: the running ones when TRINO_URL and TEMPORAL_ADDRESS are set (another engineer's dev
 * services: no second Trino on a shared machine; the Trino JVM's RSS is then not measured), else
 * (or with --own-services) a Temporal dev server and a Trino started here and stopped at the end,
 * as bench:scale does. `--streams N` sets TRINO_SCAN_STREAMS for the worker. The worker and the
 * `autoseg run` client are the compiled CLI, as an installed package runs them (built first into
 * bench/out/, compiled.ts); `--tsx` runs the TypeScript sources through tsx instead, which adds
 * the loader and its transformed modules to the worker and to each of its threads. Results also go to
 * bench/results/worker-<sf>-<time>.json (ignored by git). Exits 1 when the run fails or its
 * output is wrong; a missed target is printed, not an exit code (nothing here asserts a time).
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { startTemporalDevServer, type TemporalDevServer } from '../src/embedded/temporal';
import { startTrino, type TrinoServer } from '../scripts/services/trino';
import { buildCompiledCli } from './compiled';
import { findTrinoJvm, procStatus } from './scaleProc';
import { liveChildren, runCase, type BenchContext, type CaseResult } from './scaleRun';

const root = resolve(__dirname, '..');
const TARGETS = { rssMb: 1024, extractRowsPerS: 100_000, writeRowsPerS: 100_000 };

interface Args {
  scale: string;
  streams?: number;
  ownServices: boolean;
  /** Run the worker from the TypeScript sources through tsx instead of compiled (as installed). */
  tsx: boolean;
}

function parseArgs(argv: string[]): Args {
  const args: Args = { scale: 'sf10', ownServices: false, tsx: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (/^(tiny|sf1|sf10)$/.test(a)) args.scale = a;
    else if (a === '--streams') args.streams = Number(argv[++i]);
    else if (a === '--own-services') args.ownServices = true;
    else if (a === '--tsx') args.tsx = true;
    else throw new Error(`unknown argument ${JSON.stringify(a)}: give tiny, sf1 or sf10, --streams N, --own-services, --tsx`);
  }
  if (args.streams !== undefined && !(Number.isInteger(args.streams) && args.streams >= 1 && args.streams <= 16)) throw new Error('--streams needs a whole number from 1 to 16');
  return args;
}

/** The `autoseg worker` child of this process (runCase spawns it), once it exists. */
function workerPid(): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== process.pid) continue;
      if (/ worker$/.test(readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim())) return Number(entry);
    } catch {
      /* gone */
    }
  }
  return undefined;
}

interface Sample {
  t: number;
  /** VmRSS, and its parts: anonymous memory (heaps, buffers, WebAssembly memories) and mapped files (code). */
  mb: number;
  anonMb: number;
  fileMb: number;
  threads: number;
}

/** The worker's memory every `ms`, with the time: matched to the activities' intervals afterwards. */
function rssTimeline(ms = 100): { stop(): Sample[] } {
  const samples: Sample[] = [];
  let pid: number | undefined;
  const timer = setInterval(() => {
    pid ??= workerPid();
    const s = pid === undefined ? undefined : procStatus(pid);
    if (!s) return;
    let status = '';
    try {
      status = readFileSync(`/proc/${pid}/status`, 'utf8');
    } catch {
      return;
    }
    const kb = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    samples.push({ t: Date.now(), mb: s.rssKb / 1024, anonMb: kb('RssAnon') / 1024, fileMb: kb('RssFile') / 1024, threads: s.threads });
  }, ms);
  return {
    stop() {
      clearInterval(timer);
      return samples;
    },
  };
}

interface ActivitySpan {
  type: string;
  start: number;
  end: number;
  peakMb: number | null;
  /** RSS at the last sample before the activity started: what earlier stages left. */
  beforeMb: number | null;
  /** The sample at the peak: anonymous and file-backed RSS, threads. */
  atPeak: { anonMb: number; fileMb: number; threads: number } | null;
}

/** Each activity's start and end from the workflow history, and the worker's peak RSS meanwhile. */
async function activitySpans(client: Client, workflowId: string, samples: readonly Sample[]): Promise<ActivitySpan[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const ms = (e: (typeof events)[number]): number => Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
  const scheduled = new Map<string, { type: string; at: number }>();
  const started = new Map<string, number>();
  const spans: ActivitySpan[] = [];
  for (const e of events) {
    if (e.activityTaskScheduledEventAttributes) scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at: ms(e) });
    if (e.activityTaskStartedEventAttributes) started.set(String(e.activityTaskStartedEventAttributes.scheduledEventId), ms(e));
    const done = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes ?? e.activityTaskTimedOutEventAttributes;
    if (done) {
      const id = String(done.scheduledEventId);
      const s = scheduled.get(id);
      if (!s) continue;
      const start = started.get(id) ?? s.at;
      const end = ms(e);
      const peak = samples.filter((x) => x.t >= start && x.t <= end).reduce<Sample | undefined>((a, x) => (a === undefined || x.mb > a.mb ? x : a), undefined);
      const before = samples.filter((x) => x.t < start).at(-1);
      spans.push({
        type: s.type,
        start,
        end,
        peakMb: peak ? Math.round(peak.mb) : null,
        beforeMb: before ? Math.round(before.mb) : null,
        atPeak: peak ? { anonMb: Math.round(peak.anonMb), fileMb: Math.round(peak.fileMb), threads: peak.threads } : null,
      });
    }
  }
  return spans;
}

/** `type before -> peak (parts)` per activity type in order of first start, `xN` when it ran N times (one fit per k; before the first, peak of all). */
function perType(spans: readonly ActivitySpan[]): string {
  const byType = new Map<string, { top: ActivitySpan | undefined; n: number; beforeMb: number | null }>();
  for (const s of [...spans].sort((a, b) => a.start - b.start)) {
    const t = byType.get(s.type) ?? { top: undefined, n: 0, beforeMb: s.beforeMb };
    t.n++;
    if (s.peakMb !== null && (t.top?.peakMb ?? -1) < s.peakMb) t.top = s;
    byType.set(s.type, t);
  }
  return [...byType]
    .map(([type, { top, n, beforeMb }]) => {
      const parts = top?.atPeak ? ` (anon ${top.atPeak.anonMb}, file ${top.atPeak.fileMb}, ${top.atPeak.threads} threads)` : '';
      return `${type}${n > 1 ? ` x${n}` : ''} ${beforeMb ?? '?'} -> ${top?.peakMb ?? '?'}${parts}`;
    })
    .join(', ');
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const verdict = (ok: boolean): string => (ok ? 'PASS' : 'MISS');

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const rows = args.scale === 'tiny' ? 1_500 : 150_000 * Number(args.scale.slice(2));
  const own = args.ownServices || !process.env.TRINO_URL || !process.env.TEMPORAL_ADDRESS;
  const work = mkdtempSync(join(tmpdir(), 'autoseg-bench-worker-'));
  let temporal: TemporalDevServer | undefined;
  let trino: TrinoServer | undefined;
  let connection: Connection | undefined;
  const stop = async (): Promise<void> => {
    for (const child of liveChildren) child.kill('SIGKILL');
    await connection?.close().catch(() => undefined);
    await Promise.allSettled([temporal?.stop(), trino?.stop()]);
    temporal = trino = connection = undefined;
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stop().finally(() => process.exit(130)));

  let result: CaseResult | undefined;
  let spans: ActivitySpan[] = [];
  try {
    let trinoUrl = process.env.TRINO_URL ?? '';
    let address = process.env.TEMPORAL_ADDRESS ?? '';
    let namespace = process.env.TEMPORAL_NAMESPACE ?? 'default';
    if (own) {
      console.error(`[worker] starting Temporal and Trino under ${work}`);
      [temporal, trino] = await Promise.all([startTemporalDevServer({ logDir: work }), startTrino(join(work, 'trino'), { queryMemoryGb: 10 })]);
      trinoUrl = trino.url;
      address = temporal.address;
      namespace = temporal.namespace;
    } else console.error(`[worker] using the running services: Trino ${trinoUrl}, Temporal ${address}`);
    connection = await Connection.connect({ address });
    const client = new Client({ connection, namespace });
    const ctx: BenchContext = {
      root,
      work,
      trinoUrl,
      trinoJvmPid: trino ? findTrinoJvm(trino.process.pid) : undefined,
      timeoutMs: 60 * 60_000,
      maxAttempts: 3,
      client,
      compiledCli: args.tsx ? undefined : buildCompiledCli(root),
      env: {
        ...process.env,
        TEMPORAL_ADDRESS: address,
        TEMPORAL_NAMESPACE: namespace,
        TRINO_URL: trinoUrl,
        AUTOSEG_STAGE_DIR: join(work, 'stage'),
        AUTOSEG_REPORT_DIR: join(work, 'reports'),
        ...(args.streams === undefined ? {} : { TRINO_SCAN_STREAMS: String(args.streams) }),
      },
    };
    const load = loadavg().map((x) => x.toFixed(2));
    console.error(`[worker] ${args.scale}: tpch.${args.scale}.customer -> memory.default.segw_worker_${args.scale} (load average ${load.join(' ')})`);
    const timeline = rssTimeline();
    try {
      result = await runCase(
        { scale: args.scale, engine: 'worker', source: `tpch.${args.scale}.customer`, output: `memory.default.segw_worker_${args.scale}`, userId: 'custkey', expectedRows: rows },
        ctx,
      );
    } finally {
      const samples = timeline.stop();
      if (result?.runId) spans = await activitySpans(client, result.runId, samples).catch(() => []);
    }
  } finally {
    await stop();
  }

  const r = result!;
  const extractS = r.stagesS.extract;
  const writeS = r.stagesS.write;
  const extractRate = extractS ? rows / extractS : 0;
  const writeRate = writeS ? rows / writeS : 0;
  const peak = r.worker?.peakMb ?? Infinity;
  const lines = [
    `\n## bench:worker ${args.scale}, ${new Date().toISOString()} (${availableParallelism()} cores, Node ${process.version}, load average before ${r.loadavgBefore.join(' ')}${args.streams ? `, TRINO_SCAN_STREAMS=${args.streams}` : ''})\n`,
    r.ok ? `run ${r.runId}: ${fmt(r.rows ?? 0)} rows, k ${r.k}, output verified (${fmt(r.verified?.count ?? 0)} rows, each id once)` : `run FAILED: ${r.error}`,
    `| measure | value | target | |`,
    `|---|---:|---:|---|`,
    `| extract (count, scan, sort, stage) | ${extractS ?? '?'} s = ${fmt(extractRate)} rows/s | >= ${fmt(TARGETS.extractRowsPerS)} rows/s | ${verdict(extractRate >= TARGETS.extractRowsPerS)} |`,
    `| write-back (stage, lock, swap) | ${writeS ?? '?'} s = ${fmt(writeRate)} rows/s | >= ${fmt(TARGETS.writeRowsPerS)} rows/s | ${verdict(writeRate >= TARGETS.writeRowsPerS)} |`,
    `| worker peak RSS | ${fmt(peak)} MB (polled ${fmt(r.worker?.polledPeakMb ?? 0)}, VmHWM ${r.worker?.hwmValid ? 'counted' : 'not reset: not counted'}) | <= ${fmt(TARGETS.rssMb)} MB | ${verdict(peak <= TARGETS.rssMb)} |`,
    `| engineer | ${r.stagesS.engineer ?? '?'} s | | |`,
    `| wall (spawn of autoseg run to its exit) | ${r.wallS ?? '?'} s | | |`,
    '',
    `stages (s): ${Object.entries(r.stagesS)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}; Trino JVM peak ${r.trino ? `${fmt(r.trino.peakMb)} MB` : 'not measured (services not started here)'}`,
    `worker RSS per activity, before -> peak (MB): ${perType(spans) || 'unknown'}`,
  ];
  console.log(lines.join('\n'));
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `worker-${args.scale}-${new Date().toISOString().slice(0, 19).replace(/:/g, '-')}.json`);
  writeFileSync(file, `${JSON.stringify({ args, targets: TARGETS, result: r, extractRowsPerS: Math.round(extractRate), writeRowsPerS: Math.round(writeRate), activities: spans }, null, 2)}\n`);
  console.log(`\nresults: ${relative(root, file)}`);
  if (r.ok) rmSync(work, { recursive: true, force: true });
  else console.error(`[worker] logs kept under ${work}`);
  return r.ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`[worker] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
