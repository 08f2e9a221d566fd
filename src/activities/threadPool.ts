/**
 * CPU-bound activity bodies run on worker threads, not on the worker's event loop: a worker's
 * workflow tasks, queries and heartbeats share that loop, and a k-means or silhouette holding it
 * for seconds makes workflow tasks time out and queries go unanswered. The pool also makes the
 * k-score fan-out truly parallel (one thread per core).
 *
 * Jobs are the functions of ./jobs, called by name with JSON-cloneable arguments; each thread
 * loads that module once (through tsx when running from the TypeScript sources).
 */
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { JobName, Jobs } from './jobs';

const THREAD_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
if (workerData.tsx) require(workerData.tsx);
const jobs = require(workerData.jobs);
const { collectNow } = require(workerData.memory);
parentPort.on('message', async ({ id, name, args }) => {
  try {
    parentPort.postMessage({ id, ok: true, value: await jobs[name](...args) });
  } catch (e) {
    const err = e instanceof Error ? e : new Error(String(e));
    parentPort.postMessage({ id, ok: false, error: { name: err.name, message: err.message, stack: err.stack, code: err.code } });
  }
  // the job's matrices and WebAssembly memories are garbage now: free them before the thread idles (memory.ts)
  collectNow();
});
`;

/** An error thrown by a job, rebuilt on the calling thread with its name, message and code. */
export class JobError extends Error {
  constructor(
    name: string,
    message: string,
    readonly code: string | undefined,
    stack: string | undefined,
  ) {
    super(message);
    this.name = name;
    if (stack) this.stack = stack;
  }
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
}
interface Slot {
  worker: Worker;
  busy: boolean;
  pending: Map<number, Pending>;
}
interface Job {
  name: string;
  args: unknown[];
  pending: Pending;
  slot?: Slot;
}

let slots: Slot[] | undefined;
let queue: Job[] = [];
let nextId = 0;

function threadData(): { jobs: string; memory: string; tsx: string | null } {
  const jobsPath = require.resolve('./jobs');
  return { jobs: jobsPath, memory: require.resolve('./memory'), tsx: jobsPath.endsWith('.ts') ? require.resolve('tsx/cjs') : null };
}

function newSlot(): Slot {
  const slot: Slot = { worker: new Worker(THREAD_SOURCE, { eval: true, workerData: threadData() }), busy: false, pending: new Map() };
  slot.worker.on('message', (m: { id: number; ok: boolean; value?: unknown; error?: { name: string; message: string; stack?: string; code?: string } }) => {
    const p = slot.pending.get(m.id);
    slot.pending.delete(m.id);
    slot.busy = false;
    slot.worker.unref();
    if (p) m.ok ? p.resolve(m.value) : p.reject(new JobError(m.error!.name, m.error!.message, m.error!.code, m.error!.stack));
    dispatch();
  });
  slot.worker.on('error', (e) => {
    for (const p of slot.pending.values()) p.reject(e);
    slot.pending.clear();
    replace(slot); // a broken thread: a fresh one takes its place
  });
  // Referenced only while running a job (attaching a listener refs it): an idle pool never keeps the process alive.
  slot.worker.unref();
  return slot;
}

function start(): Slot[] {
  const size = Math.max(1, Math.min(Number(process.env.AUTOSEG_THREADS) || availableParallelism(), 8));
  return Array.from({ length: size }, newSlot);
}

/** Drops a slot's thread (stopping whatever it runs) and puts a fresh idle one in its place. */
function replace(slot: Slot): void {
  if (!slots) return;
  const i = slots.indexOf(slot);
  if (i < 0) return;
  slot.worker.removeAllListeners('message');
  void slot.worker.terminate();
  slots[i] = newSlot();
  dispatch();
}

function dispatch(): void {
  if (!slots) return;
  for (const slot of slots) {
    if (slot.busy || queue.length === 0) continue;
    const job = queue.shift()!;
    const id = nextId++;
    slot.busy = true;
    slot.worker.ref();
    slot.pending.set(id, job.pending);
    job.slot = slot;
    slot.worker.postMessage({ id, name: job.name, args: job.args });
  }
}

/**
 * Runs job `name` on a pool thread; resolves with its result or rejects with a JobError. When
 * `signal` aborts (the activity was cancelled), a queued job is dropped and a running one is
 * stopped by terminating its thread (JavaScript cannot interrupt a busy thread any other way);
 * the promise rejects with the signal's reason.
 */
export function inThread<N extends JobName>(name: N, args: Parameters<Jobs[N]>, signal?: AbortSignal): Promise<Awaited<ReturnType<Jobs[N]>>> {
  slots ??= start();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const job: Job = { name, args, pending: { resolve: resolve as (v: unknown) => void, reject } };
    const onAbort = (): void => {
      queue = queue.filter((j) => j !== job);
      if (job.slot) replace(job.slot);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    job.pending = {
      resolve: (v) => {
        signal?.removeEventListener('abort', onAbort);
        (resolve as (v: unknown) => void)(v);
      },
      reject: (e) => {
        signal?.removeEventListener('abort', onAbort);
        reject(e);
      },
    };
    queue.push(job);
    dispatch();
  });
}
