import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createWorker, type AutosegWorkerOptions } from '../../src/worker';

let runtimeInstalled = false;

/** The Temporal server started by `npm test` (scripts/run-tests.ts). */
export function temporalAddress(): string {
  const address = process.env.TEMPORAL_ADDRESS;
  if (!address) throw new Error('TEMPORAL_ADDRESS is not set: run the integration tests through `npm test`, which starts Temporal');
  return address;
}

export interface TemporalTestContext {
  client: Client;
  worker: Worker;
  taskQueue: string;
}

/**
 * Runs `body` with a real worker on a fresh task queue and a client, both connected to the
 * real server; the worker runs until `body` settles, then everything is closed.
 */
export async function withWorker<T>(name: string, body: (ctx: TemporalTestContext) => Promise<T>, options: AutosegWorkerOptions = {}): Promise<T> {
  if (!runtimeInstalled) {
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const address = temporalAddress();
  const taskQueue = `${name}-${process.pid}-${Date.now()}`;
  const nativeConnection = await NativeConnection.connect({ address });
  const connection = await Connection.connect({ address });
  try {
    const worker = await createWorker(nativeConnection, { taskQueue, ...options });
    const client = new Client({ connection });
    return await worker.runUntil(body({ client, worker, taskQueue }));
  } finally {
    await connection.close();
    await nativeConnection.close();
  }
}
