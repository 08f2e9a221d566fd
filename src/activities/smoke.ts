/**
 * The smallest real slice of the pipeline: it proves that a worker reaches Trino and Temporal end
 * to end. Extract account balances from a TPC-H customer table in pages, compute one number per
 * customer, write a table, return only small summaries. Built on the same warehouse and stage
 * store as the segmentation pipeline.
 */
import { TrinoWarehouse } from '../warehouse/trino';
import { activity, heartbeat, stageStore } from './runtime';

export interface SmokeInput {
  runId: string;
  sourceTable: string;
  targetTable: string;
}

export async function smokeExtract(input: SmokeInput): Promise<{ rows: number }> {
  return activity(async () => {
    const trino = new TrinoWarehouse();
    try {
      const table = await trino.scan({ kind: 'table', table: input.sourceTable }, { userId: 'custkey', columns: ['acctbal'], onBatch: (p) => heartbeat(p) });
      await stageStore().putTable(input.runId, 'smoke-extract', table);
      return { rows: table.rowCount };
    } finally {
      await trino.close();
    }
  });
}

/** Min-max scales the balance to [0, 1]: the one number per customer. */
export async function smokeScore(input: SmokeInput): Promise<{ rows: number; min: number; max: number }> {
  return activity(async () => {
    const table = await stageStore().getTable(input.runId, 'smoke-extract');
    const balance = table.columns.find((c) => c.name === 'acctbal');
    if (!balance || balance.kind !== 'numeric') throw new Error(`${input.sourceTable} has no numeric acctbal`);
    let min = Infinity;
    let max = -Infinity;
    for (const v of balance.values) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    const score = balance.values.map((v) => (max > min ? (v - min) / (max - min) : 0));
    await stageStore().putMatrix(input.runId, 'smoke-score', { rows: score.length, cols: 1, data: score });
    return { rows: score.length, min, max };
  });
}

/** Writes the scores atomically (staging table, count check, swap), then drops the run's stage. */
export async function smokeWrite(input: SmokeInput): Promise<{ rows: number }> {
  return activity(async () => {
    const store = stageStore();
    const [table, score] = await Promise.all([store.getTable(input.runId, 'smoke-extract'), store.getMatrix(input.runId, 'smoke-score')]);
    const ids = table.columns.find((c) => c.name === 'custkey')!;
    const trino = new TrinoWarehouse();
    try {
      const result = await trino.writeTable(
        input.targetTable,
        {
          rowCount: score.rows,
          columns: [
            { name: 'custkey', sqlType: 'bigint', values: ids.values as ArrayLike<string> },
            { name: 'score', sqlType: 'double', values: score.data },
          ],
        },
        { runId: input.runId },
      );
      await store.remove(input.runId);
      return { rows: result.rowCount };
    } finally {
      await trino.close();
    }
  });
}
