import { sortByUserId } from '../segmentation/rowOrder';
import type { Extracted, RunRef } from './types';
import { activity, heartbeat, stageStore, toSource, warehouseFor } from './runtime';

/**
 * Stage 1: scans the source (Trino table or SELECT, or a file through DuckDB) into the stage
 * store as a columnar table. Idempotent: a retry rescans and overwrites its own output.
 */
export async function extractSource({ runId, config }: RunRef): Promise<Extracted> {
  return activity(async () => {
    const warehouse = warehouseFor(config.source);
    try {
      const scanned = await warehouse.scan(toSource(config.source), {
        userId: config.userId,
        onBatch: (p) => heartbeat({ rowsRead: p.rowsRead }),
      });
      // Same data, same seed, same segments, whatever order the warehouse returned the rows in.
      const table = sortByUserId(scanned, config.userId);
      await stageStore().putTable(runId, 'extract', table);
      return { rows: table.rowCount, columns: table.columns.length, source: table.name };
    } finally {
      await warehouse.close();
    }
  });
}
