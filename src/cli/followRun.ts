import type { Client, WorkflowHandle } from '@temporalio/client';
import { progressQuery } from '../workflows/progress';
import type { PendingActivity, RunSnapshot } from './progressView';

/** Converts a heartbeat payload to its value; undefined when it cannot (e.g. an encrypting codec). */
export type Decode = (payload: Parameters<Client['options']['loadedDataConverter']['payloadConverter']['fromPayload']>[0]) => unknown;

export function decoder(client: Client): Decode {
  const converter = client.options.loadedDataConverter.payloadConverter;
  return (payload) => {
    try {
      return converter.fromPayload(payload);
    } catch {
      return undefined;
    }
  };
}

/**
 * One look at a running run: its progress query, and from `describe()` its start and its
 * pending activities with their last heartbeat's details (rows read or written, an iteration)
 * and their attempt. Throws when the run cannot answer (not started yet, or gone).
 */
export async function readSnapshot(handle: WorkflowHandle, decode: Decode): Promise<RunSnapshot> {
  const [progress, description] = await Promise.all([handle.query(progressQuery), handle.describe()]);
  const activities: PendingActivity[] = (description.raw.pendingActivities ?? []).map((a) => {
    const payload = a.heartbeatDetails?.payloads?.[0];
    const details = payload ? decode(payload) : undefined;
    return {
      type: a.activityType?.name ?? '',
      attempt: a.attempt ?? 1,
      ...(details !== undefined ? { details } : {}),
      ...(a.lastFailure?.message ? { lastFailure: a.lastFailure.message } : {}),
    };
  });
  return { progress, activities, runStartedAt: description.startTime.getTime() };
}

/**
 * Polls the run every `intervalMs` and hands each snapshot to `onSnapshot` until stopped; a
 * failed poll (the run just started or just finished) is skipped.
 */
export function pollRun(client: Client, handle: WorkflowHandle, onSnapshot: (s: RunSnapshot) => void, intervalMs: number): { stop(): Promise<void> } {
  const decode = decoder(client);
  let polling = true;
  let wake: (() => void) | undefined;
  const loop = (async () => {
    while (polling) {
      try {
        const s = await readSnapshot(handle, decode);
        if (polling) onSnapshot(s);
      } catch {
        /* not answering yet, or finished between two polls */
      }
      if (!polling) break;
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, intervalMs).unref();
      });
    }
  })();
  return {
    async stop() {
      polling = false;
      wake?.();
      await loop;
    },
  };
}
