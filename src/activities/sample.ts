import { dictionaryFromProfiles } from '../segmentation/engineer';
import { sortByUserId } from '../segmentation/rowOrder';
import { profileTrinoSource } from '../warehouse/trino-profile';
import { quoteIdentifier } from '../warehouse/identifiers';
import { sampleSelect } from '../warehouse/trino-sample';
import { TrinoWarehouse } from '../warehouse/trino';
import { engineOptions } from './engineOptions';
import type { Extracted, RunRef } from './types';
import { activity, cancellationSignal, heartbeat, stageStore, throwIfCancelled, toSource, withHeartbeat } from './runtime';

/**
 * Stage 1 in pushdown mode (engine trino): the full table never leaves Trino. Two steps:
 * 1. the column profiles by aggregate queries in Trino, turned into the run's data dictionary
 *    and encoding plan (the same rules, hence the same dictionary, as a worker-mode run);
 * 2. a seeded sample of `trainingSampleSize` rows (bottom-k of a hash of seed and user id, so it
 *    depends on neither row order nor splits), of the id and the columns the plan encodes,
 *    staged like an extract for scoring and training.
 * Bad input (no features, duplicate ids, NaN) fails in step 1, before the sample is read.
 * Idempotent: a retry recomputes both and overwrites them.
 */
export async function sampleSource({ runId, config, sourceRows }: RunRef & { sourceRows?: number | null }): Promise<Extracted> {
  return activity(async () => {
    const trino = new TrinoWarehouse();
    const store = stageStore();
    const source = toSource(config.source);
    const signal = cancellationSignal();
    try {
      const profiles = await withHeartbeat(profileTrinoSource(trino, source, engineOptions(config), signal, sourceRows ?? undefined), { stage: 'profile' });
      const plan = dictionaryFromProfiles(profiles, engineOptions(config));
      await store.putJson(runId, 'plan', plan);
      // Only the id and the columns the plan encodes travel: dropped text columns (names,
      // addresses, comments) would be most of the bytes of the top-n and of its transfer.
      const used = plan.dictionary.columns.filter((c) => c.treatment !== 'dropped').map((c) => quoteIdentifier(c.column));
      const spec = { from: trino.fromClause(source).sql, userId: config.userId, seed: config.seed, size: config.trainingSampleSize, select: used.join(', ') };
      // The top-n scans the whole table before its first row arrives: beat while it runs.
      const sample = (rows?: number) =>
        withHeartbeat(
          trino.scan(
            { kind: 'sql', sql: sampleSelect({ ...spec, rows }) },
            {
              userId: config.userId,
              onBatch: (p) => {
                throwIfCancelled();
                heartbeat({ stage: 'sample', rowsRead: p.rowsRead });
              },
            },
          ),
          { stage: 'sample' },
        );
      // With the row count the top-n sees only rows under a key bound, loose enough that it costs
      // rows with a probability below 1e-12; if it did (or the table changed since it was counted),
      // the full top-n runs.
      let scanned = await sample(profiles.rowCount);
      if (scanned.rowCount < Math.min(config.trainingSampleSize, profiles.rowCount)) scanned = await sample();
      // The sample's table name is the source's: messages and the report name the real table.
      const table = sortByUserId({ ...scanned, name: profiles.name }, config.userId);
      throwIfCancelled();
      await store.putTable(runId, 'extract', table);
      return { rows: profiles.rowCount, sampleRows: table.rowCount, columns: table.columns.length, source: profiles.name, profileMs: profiles.queryMs.reduce((a, b) => a + b, 0) };
    } finally {
      await trino.close();
    }
  });
}
