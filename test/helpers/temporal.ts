import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
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

/** An activity the server has scheduled or started for a workflow, as describe() shows it. */
export interface PendingActivity {
  readonly type: string;
  readonly attempt: number;
  /** The last heartbeat's details (the first argument of the activity's heartbeat), decoded. */
  readonly details: unknown;
}

/** The workflow's pending activities, heartbeat details decoded. */
export async function pendingActivities(handle: WorkflowHandle): Promise<PendingActivity[]> {
  const d = await handle.describe();
  return (d.raw.pendingActivities ?? []).map((a) => {
    const payload = a.heartbeatDetails?.payloads?.[0];
    return {
      type: a.activityType?.name ?? '',
      attempt: a.attempt ?? 0,
      details: payload ? defaultPayloadConverter.fromPayload(payload as Payload) : undefined,
    };
  });
}

/** By activity type, the attempt it last started on (history keeps one started event per activity: its final attempt's); the highest if the type ran more than once. */
export async function activityAttempts(handle: WorkflowHandle): Promise<Map<string, number>> {
  const events = (await handle.fetchHistory()).events ?? [];
  const typeOf = new Map<string, string>();
  const attempts = new Map<string, number>();
  for (const e of events) {
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(e.eventId), scheduled.activityType?.name ?? '');
    const started = e.activityTaskStartedEventAttributes;
    if (started) {
      const type = typeOf.get(String(started.scheduledEventId)) ?? '';
      attempts.set(type, Math.max(attempts.get(type) ?? 0, started.attempt ?? 0));
    }
  }
  return attempts;
}
