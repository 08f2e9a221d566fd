import type { RunProgress } from '../workflows/progress';
import { STAGES } from '../workflows/progress';

/** A pending activity of the run as `describe()` shows it: its last heartbeat's details, its attempt. */
export interface PendingActivity {
  type: string;
  attempt: number;
  details?: unknown;
  lastFailure?: string;
}

/** What one poll of a run gives: the workflow's progress query, when it started, its pending activities. */
export interface RunSnapshot {
  progress: RunProgress;
  /** The workflow's start (epoch ms). */
  runStartedAt?: number;
  activities: PendingActivity[];
}

/** Run settings that give the totals activities do not report themselves. */
export interface ProgressHints {
  trainingSampleSize?: number;
  maxIter?: number;
}

/** Where the view writes: stderr, or a fake in tests. */
export interface ProgressOut {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressViewOptions {
  now?: () => number;
  hints?: ProgressHints;
  /** Without a TTY: the least time between two lines of one stage whose work changed. Default 10 s. */
  changeIntervalMs?: number;
  /** Without a TTY: a line even when nothing changed, this often (a long stage stays visible in logs). Default 60 s. */
  quietIntervalMs?: number;
}

/** 0.4 s, 12.3 s, 42 s, 4m05s, 1h02m. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.floor(s)} s`;
  const two = (n: number) => String(Math.floor(n)).padStart(2, '0');
  if (s < 3600) return `${Math.floor(s / 60)}m${two(s % 60)}s`;
  return `${Math.floor(s / 3600)}h${two((s % 3600) / 60)}m`;
}

const count = (n: number) => n.toLocaleString('en-US');
const ofTotal = (n: number, total: number | null | undefined) => (total === undefined || total === null ? count(n) : `${count(n)}/${count(total)}`);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Heartbeat steps and sub-stages, as a person reads them. */
const STEPS: Record<string, string> = {
  count: 'counting the source rows',
  profile: 'profiling the source in Trino',
  sample: 'reading the training sample',
  staging: 'writing the stage store',
  train: 'k-means on the training sample',
  refine: 'Lloyd refinement in Trino',
  movement: 'counting moved customers',
};

/** What one activity reported in its last heartbeat (rows read or written, an iteration, a step). */
function activityDetail(a: PendingActivity, p: RunProgress, hints: ProgressHints): string[] {
  const d = (typeof a.details === 'object' && a.details !== null ? a.details : {}) as Record<string, unknown>;
  const parts: string[] = [];
  const sub = typeof d.stage === 'string' && d.stage !== p.stage ? d.stage : undefined;
  const step = typeof d.step === 'string' ? d.step : sub;
  if (step !== undefined) parts.push(STEPS[step] ?? step);
  const rowsRead = num(d.rowsRead);
  if (rowsRead !== undefined) {
    const source = p.engine?.sourceRows ?? undefined;
    const total = sub === 'sample' ? (hints.trainingSampleSize !== undefined && source !== undefined ? Math.min(hints.trainingSampleSize, source) : undefined) : source;
    parts.push(`${ofTotal(rowsRead, total)} rows read`);
  }
  const rowsWritten = num(d.rowsWritten);
  if (rowsWritten !== undefined && rowsWritten > 0) parts.push(`${ofTotal(rowsWritten, p.rows)} rows written`);
  const iteration = num(d.iteration);
  if (iteration !== undefined && iteration > 0) parts.push(`iteration ${iteration}${hints.maxIter ? ` (at most ${hints.maxIter})` : ''}`);
  return parts;
}

/** What the current stage has done: k scored, rows, iterations, retries (empty when nothing is known). */
export function stageDetail(s: RunSnapshot, hints: ProgressHints = {}): string {
  const p = s.progress;
  const parts: string[] = [];
  if (p.stage === 'score' && p.kTotal > 0) parts.push(`${p.kScored}/${p.kTotal} k scored`);
  if (p.stage === 'cluster' && p.chosenK !== undefined) parts.push(`k = ${p.chosenK}`);
  // Score runs one activity per k: their details say nothing the k count does not.
  if (p.stage !== 'score') for (const a of s.activities) parts.push(...activityDetail(a, p, hints));
  const retried = s.activities.filter((a) => a.attempt > 1).sort((a, b) => b.attempt - a.attempt)[0];
  if (retried) {
    const cause = retried.lastFailure ? `: ${retried.lastFailure.length > 100 ? `${retried.lastFailure.slice(0, 99)}…` : retried.lastFailure}` : '';
    parts.push(`attempt ${retried.attempt}${cause}`);
  }
  return parts.join(', ');
}

/** `[2/10] extract: 1,000/5,000 rows read (stage 1.2 s, run 3.4 s)`; the stage's time is omitted when unknown. */
export function progressLine(s: RunSnapshot, now: number, stageStartedAt: number | undefined, hints: ProgressHints = {}, width = Infinity): string {
  const p = s.progress;
  const index = STAGES.indexOf(p.stage as (typeof STAGES)[number]);
  const name = index >= 0 ? `[${index + 1}/${STAGES.length}] ${p.stage}` : `[${p.stage}]`;
  const times = [...(stageStartedAt !== undefined ? [`stage ${formatDuration(now - stageStartedAt)}`] : []), ...(s.runStartedAt !== undefined ? [`run ${formatDuration(now - s.runStartedAt)}`] : [])];
  const tail = times.length ? ` (${times.join(', ')})` : '';
  let detail = stageDetail(s, hints);
  // Too long for the terminal: the detail is cut, not the times.
  const room = width - name.length - tail.length - 2;
  if (detail.length > room) detail = room >= 4 ? `${detail.slice(0, room - 1)}…` : '';
  const line = `${name}${detail ? `: ${detail}` : ''}${tail}`;
  return line.length > width ? `${line.slice(0, Math.max(0, width - 1))}…` : line;
}

/** `[2/10] extract done in 1.3 s, 5,000 rows (run 3.5 s)`: the i-th finished stage, with what it found. */
export function doneLine(s: RunSnapshot, i: number, now: number): string {
  const p = s.progress;
  const { stage, ms } = p.completed[i];
  const extra =
    stage === 'check' && p.engine
      ? `, engine ${p.engine.mode}: ${p.engine.reason}`
      : stage === 'extract' && p.rows !== undefined
        ? `, ${count(p.rows)} rows`
        : stage === 'engineer' && p.features !== undefined
          ? `, ${p.features} features`
          : stage === 'choose' && p.chosenK !== undefined
            ? `, k = ${p.chosenK}`
            : '';
  const run = s.runStartedAt !== undefined ? ` (run ${formatDuration(now - s.runStartedAt)})` : '';
  return `[${STAGES.indexOf(stage) + 1}/${STAGES.length}] ${stage} done in ${formatDuration(ms)}${extra}${run}`;
}

/**
 * Shows a run's progress from successive snapshots. On a TTY: one line, redrawn in place. Else
 * (CI, logs, a pipe): plain timestamped lines, one per finished stage, one when a stage starts,
 * and within a stage one when its work changed (at most every `changeIntervalMs`) or, if nothing
 * changed, every `quietIntervalMs`; never one per poll.
 */
export class ProgressView {
  private readonly now: () => number;
  private readonly hints: ProgressHints;
  private readonly changeIntervalMs: number;
  private readonly quietIntervalMs: number;
  private printedDone = 0;
  private stage: string | undefined;
  private stageSeenAt = 0;
  private lastDetail = '';
  private lastPrintAt = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOut = process.stderr,
    opts: ProgressViewOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.hints = opts.hints ?? {};
    this.changeIntervalMs = opts.changeIntervalMs ?? 10_000;
    this.quietIntervalMs = opts.quietIntervalMs ?? 60_000;
  }

  update(s: RunSnapshot): void {
    const now = this.now();
    const p = s.progress;
    const changed = p.stage !== this.stage;
    if (changed) {
      this.stage = p.stage;
      this.stageSeenAt = now;
    }
    // The workflow's own start of the stage when it reports one (runs that predate it do not).
    const stageStart = p.stageStartedAt ?? this.stageSeenAt;
    if (this.out.isTTY) {
      const width = Math.max(20, (this.out.columns ?? 80) - 1);
      const line =
        p.stage === 'done'
          ? `[${STAGES.length}/${STAGES.length}] done${s.runStartedAt !== undefined ? ` (run ${formatDuration(now - s.runStartedAt)})` : ''}`
          : progressLine(s, now, stageStart, this.hints, width);
      this.out.write(`\r${line}\x1b[K`);
      this.drawn = true;
      return;
    }
    for (; this.printedDone < p.completed.length; this.printedDone++) this.print(doneLine(s, this.printedDone, now), now);
    if (p.stage === 'done') return;
    const detail = stageDetail(s, this.hints);
    const due = changed || (detail !== this.lastDetail && now - this.lastPrintAt >= this.changeIntervalMs) || now - this.lastPrintAt >= this.quietIntervalMs;
    if (!due) return;
    this.lastDetail = detail;
    this.print(progressLine(s, now, stageStart, this.hints), now);
  }

  /** Ends the redrawn line on a TTY (before the summary or an error is printed). */
  finish(): void {
    if (this.out.isTTY && this.drawn) this.out.write('\n');
    this.drawn = false;
  }

  private print(line: string, now: number): void {
    this.out.write(`${new Date(now).toISOString()} autoseg: ${line}\n`);
    this.lastPrintAt = now;
  }
}
