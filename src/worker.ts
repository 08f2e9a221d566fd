import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import * as activities from './activities';
import { TASK_QUEUE } from './shared/constants';
import { temporalFromEnv } from './shared/env';

/** A worker for autoseg's workflows and activities on `connection`. */
export async function createWorker(connection: NativeConnection, options: Partial<WorkerOptions> = {}): Promise<Worker> {
  return Worker.create({
    connection,
    namespace: options.namespace ?? temporalFromEnv().namespace,
    taskQueue: options.taskQueue ?? TASK_QUEUE,
    workflowsPath: require.resolve('./workflows'),
    activities,
    ...options,
  });
}

/** `autoseg worker` / `node dist/worker.js`: serve the task queue until SIGINT or SIGTERM. */
export async function runWorker(): Promise<void> {
  const { address, namespace } = temporalFromEnv();
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: point the worker at a Temporal frontend (host:port)');
  const connection = await NativeConnection.connect({ address });
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
