import { confinePath } from '../config/fileAccess';
import { sortByUserId } from '../segmentation/rowOrder';
import { droppedByDistinctCount } from '../segmentation/profile';
import { parseOptions } from '../segmentation/options';
import { engineOptions } from './engineOptions';
import { collectingAfter } from './memory';
import type { Extracted, RunRef } from './types';
import { activity, heartbeat, stageStore, throwIfCancelled, toSource, warehouseFor, workerFileAccess } from './runtime';

/**
 * Stage 1: scans the source (Trino table or SELECT, or a file through DuckDB) into the stage
 * store as a columnar table. Idempotent: a retry rescans and overwrites its own output.
 * A file is confined again here (not only at pre-flight) and read through its physical path, so
 * a symlink swapped in between cannot lead outside the allowed roots.
 */
export async function extractSource({ runId, config }: RunRef): Promise<Extracted> {
  return collectingAfter(
    activity(async () => {
      const source = config.source.kind === 'file' ? { ...config.source, path: await confinePath(config.source.path, workerFileAccess(), 'source file') } : config.source;
      const warehouse = warehouseFor(source);
      const { minCategoryShare } = parseOptions(engineOptions(config));
      try {
        const scanned = await warehouse.scan(toSource(source), {
          userId: config.userId,
          // Free text and near-unique codes: counted in the warehouse, never read (profile.ts decides alike).
          countOnly: (column, distinct, rows) => droppedByDistinctCount(column, distinct, rows, minCategoryShare),
          // Each page or batch: report progress, and stop (cancelling the query) once cancelled.
          onBatch: (p) => {
            throwIfCancelled();
            heartbeat({ stage: 'extract', rowsRead: p.rowsRead });
          },
        });
        // Same data, same seed, same segments, whatever order the warehouse returned the rows in.
        const table = sortByUserId({ ...scanned, name: config.source.kind === 'file' ? config.source.path : scanned.name }, config.userId);
        throwIfCancelled();
        heartbeat({ stage: 'extract', step: 'staging', rowsRead: table.rowCount });
        await stageStore().putTable(runId, 'extract', table);
        return { rows: table.rowCount, columns: table.columns.length, source: table.name };
      } finally {
        await warehouse.close();
      }
    }),
  );
}
