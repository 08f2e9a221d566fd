import { NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import * as activities from './activities';
import { setFileAccess } from './activities/runtime';
import { workflowBundle } from './embedded/workflowBundle';
import { fileAccessFromEnv, type FileAccess } from './config/fileAccess';
import { TASK_QUEUE } from './shared/constants';
import { temporalFromEnv } from './shared/env';
import { redactingLogger } from './shared/logging';

export interface AutosegWorkerOptions extends Partial<WorkerOptions> {
  /**
   * Which paths file sources and directory outputs may name: a shared worker serves untrusted
   * callers, so the default is AUTOSEG_FILE_ROOTS (none when unset); the CLI's embedded worker
   * passes ANY_FILE.
   */
  fileAccess?: FileAccess;
}

/** A worker for autoseg's workflows and activities on `connection`. */
export async function createWorker(connection: NativeConnection, options: AutosegWorkerOptions = {}): Promise<Worker> {
  const { fileAccess, ...workerOptions } = options;
  setFileAccess(fileAccess ?? fileAccessFromEnv());
  // The built bundle from the cache (embedded/workflowBundle.ts) unless the caller brings its own code.
  const code = workerOptions.workflowBundle || workerOptions.workflowsPath ? {} : { workflowBundle: await workflowBundle() };
  return Worker.create({
    connection,
    namespace: workerOptions.namespace ?? temporalFromEnv().namespace,
    taskQueue: workerOptions.taskQueue ?? TASK_QUEUE,
    ...code,
    activities,
    // A cancellation reaches an activity only in the answer to a heartbeat: heartbeats are sent
    // at least every second (the SDK default waits up to 80% of the heartbeat timeout).
    maxHeartbeatThrottleInterval: '1 second',
    defaultHeartbeatThrottleInterval: '1 second',
    ...workerOptions,
  });
}

/** `autoseg worker` / `node dist/worker.js`: serve the task queue until SIGINT or SIGTERM. */
export async function runWorker(): Promise<void> {
  const target = temporalFromEnv();
  const namespace = target.namespace;
  if (!target.address) throw new Error('no Temporal address: set TEMPORAL_ADDRESS (or --address, or a temporal.toml profile) to the Temporal frontend (host:port)');
  Runtime.install({ logger: redactingLogger(process.env.AUTOSEG_LOG_LEVEL === 'DEBUG' ? 'DEBUG' : 'INFO') });
  const connection = await NativeConnection.connect(target.native);
  try {
    // AUTOSEG_TASK_QUEUE lets several deployments (or tests) share one namespace.
    const worker = await createWorker(connection, { namespace, taskQueue: process.env.AUTOSEG_TASK_QUEUE || TASK_QUEUE });
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => worker.shutdown());
    await worker.run();
  } finally {
    await connection.close();
  }
}

if (require.main === module) {
  // Exit once the worker has drained: idle pool threads or keep-alive sockets must not hold a stopped worker up.
  runWorker().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
