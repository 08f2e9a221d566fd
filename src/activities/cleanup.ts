import { TrinoWarehouse } from '../warehouse/trino';
import { outputLocations } from './previous';
import type { RunRef } from './types';
import { activity, heartbeat, stageStore } from './runtime';

/**
 * Compensation after a failed or cancelled run (the workflow runs it in a non-cancellable
 * scope): a half-done write-back is repaired so the output is the previous complete pair, the
 * run's staging tables are dropped, and its stage data (full input rows) is removed unless
 * `keepStage`. The warehouse is touched only if the run got as far as its write-back (a run that
 * failed because Trino is unreachable must not wait for Trino again to clean up nothing).
 * Idempotent: running it twice, or after nothing was written, is a no-op.
 */
export async function cleanupRun({ runId, config, writeStarted }: RunRef & { reason: 'failed' | 'cancelled'; writeStarted: boolean }): Promise<void> {
  return activity(async () => {
    heartbeat({ stage: 'cleanup' });
    // The stage first: it does not depend on the warehouse being reachable.
    if (!config.keepStage) await stageStore().remove(runId);
    if (writeStarted && config.output.kind === 'table') {
      const where = outputLocations(config.output);
      const trino = new TrinoWarehouse();
      try {
        await trino.cleanupRun({ segments: where.segments, model: where.model, extras: Object.values(where.sideTables) }, runId);
      } finally {
        await trino.close();
      }
    }
  });
}
