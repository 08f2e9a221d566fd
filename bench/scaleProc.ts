/**
 * Memory of processes, read from /proc (Linux only), for `npm run bench:scale`.
 *
 * A meter follows one process, or a process and all its descendants (a tree): every sample sums
 * VmRSS over the tree (worker_threads live in their process, so they are counted). VmHWM is the
 * kernel's own peak of a process's RSS, exact between two samples; `resetPeak` sets it back to
 * the current RSS (`echo 5 > /proc/PID/clear_refs`) so that a long-lived process (the worker after
 * its start-up, the Trino JVM) shows the peak of one run only.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';

export interface ProcStatus {
  pid: number;
  rssKb: number;
  hwmKb: number;
  threads: number;
}

export function procStatus(pid: number): ProcStatus | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined; // gone
  }
  const field = (name: string): number => {
    const m = new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) : 0;
  };
  return { pid, rssKb: field('VmRSS'), hwmKb: field('VmHWM'), threads: field('Threads') };
}

/** The parent pid from /proc/PID/stat (the comm field may hold spaces and parentheses: parse after the last ')'). */
function parentOf(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

/** `root` and every descendant alive now. */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    const ppid = parentOf(pid);
    if (ppid === undefined) continue;
    const list = children.get(ppid);
    if (list) list.push(pid);
    else children.set(ppid, [pid]);
  }
  const out: number[] = [];
  for (const queue = [root]; queue.length > 0;) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

/**
 * The Trino JVM under a ManagedProcess (whose pid is the watchdog's, see src/embedded/process.ts):
 * the descendant running io.trino.server.TrinoServer, else the descendant with the largest RSS.
 */
export function findTrinoJvm(watchdogPid: number): number | undefined {
  const tree = processTree(watchdogPid).filter((p) => p !== watchdogPid);
  const jvm = tree.find((p) => cmdline(p).includes('io.trino.server.TrinoServer'));
  if (jvm !== undefined) return jvm;
  return tree
    .map((p) => procStatus(p))
    .filter((s) => s !== undefined)
    .sort((a, b) => b.rssKb - a.rssKb)[0]?.pid;
}

/** Sets VmHWM back to the current VmRSS; false when the kernel refuses. */
function resetPeak(pid: number): boolean {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

export interface MeterReading {
  /** Peak RSS in MB: the larger of the largest polled sum of VmRSS and the sum of the VmHWM (since the last reset) of the processes seen. */
  peakMb: number;
  /** The largest polled sum of VmRSS, in MB. */
  polledPeakMb: number;
  /** VmRSS (MB) at the first sample after the last reset. */
  startMb: number;
  /** Most threads seen in one sample (worker_threads included). */
  maxThreads: number;
  /** Whether VmHWM counts: the process was never reset (its peak since it started is this run's) or the reset worked. */
  hwmValid: boolean;
  samples: number;
}

/** Follows `root` (and its descendants when `tree`): call sample() periodically, read() at the end. */
export class Meter {
  private polledKb = 0;
  private startKb: number | undefined;
  private maxThreads = 0;
  private samples = 0;
  private hwmValid = true;
  private readonly hwmKb = new Map<number, number>();

  constructor(
    readonly root: number,
    private readonly tree: boolean,
  ) {}

  private pids(): number[] {
    return this.tree ? processTree(this.root) : [this.root];
  }

  /** Starts a new measurement: peaks so far are forgotten, VmHWM reset where the kernel allows. */
  reset(): void {
    this.polledKb = 0;
    this.startKb = undefined;
    this.maxThreads = 0;
    this.samples = 0;
    this.hwmKb.clear();
    this.hwmValid = this.pids().every(resetPeak);
    this.sample();
  }

  sample(): void {
    let rss = 0;
    let threads = 0;
    for (const pid of this.pids()) {
      const s = procStatus(pid);
      if (!s) continue;
      rss += s.rssKb;
      threads += s.threads;
      this.hwmKb.set(pid, Math.max(this.hwmKb.get(pid) ?? 0, s.hwmKb));
    }
    if (rss === 0) return; // the process is gone: its last sample stands
    this.startKb ??= rss;
    this.polledKb = Math.max(this.polledKb, rss);
    this.maxThreads = Math.max(this.maxThreads, threads);
    this.samples++;
  }

  read(): MeterReading {
    const hwm = [...this.hwmKb.values()].reduce((a, b) => a + b, 0);
    const mb = (kb: number) => Math.round(kb / 1024);
    return {
      peakMb: mb(Math.max(this.polledKb, this.hwmValid ? hwm : 0)),
      polledPeakMb: mb(this.polledKb),
      startMb: mb(this.startKb ?? 0),
      maxThreads: this.maxThreads,
      hwmValid: this.hwmValid,
      samples: this.samples,
    };
  }
}

/** Samples every meter every `intervalMs` until stop() (which takes a last sample). */
export function poll(meters: readonly Meter[], intervalMs = 250): { stop(): void } {
  const timer = setInterval(() => meters.forEach((m) => m.sample()), intervalMs);
  return {
    stop() {
      clearInterval(timer);
      meters.forEach((m) => m.sample());
    },
  };
}
