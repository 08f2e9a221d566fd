import type { OutputTable, RunOutputs } from '../../src/warehouse';
import { queryRows } from './trino';

/** A run writing a segment table and its model, as the write-back tests fake it. */
export interface TestRun {
  readonly runId: string;
  readonly start: Date;
  readonly rows: number;
  /** Varies the rows between runs (segment numbers and labels shift by it). */
  readonly shift?: number;
  readonly model?: string;
}

/**
 * The pair a run writes: `target` (custkey, segment, segment_label with a quote in it, run_id,
 * created_at) and `<target>_model` (run_id, created_at, model), like the real write-back.
 */
export function runOutputs(target: string, run: TestRun): RunOutputs {
  const n = run.rows;
  const shift = run.shift ?? 0;
  const segments: OutputTable = {
    rowCount: n,
    columns: [
      { name: 'custkey', sqlType: 'bigint', values: Array.from({ length: n }, (_, i) => String(1_000_000 + i)) },
      { name: 'segment', sqlType: 'integer', values: Array.from({ length: n }, (_, i) => (i + shift) % 4) },
      { name: 'segment_label', sqlType: 'varchar', values: Array.from({ length: n }, (_, i) => `it's segment ${(i + shift) % 4}`) },
      { name: 'run_id', sqlType: 'varchar', values: new Array<string>(n).fill(run.runId) },
      { name: 'created_at', sqlType: 'timestamp(3)', values: new Array<Date>(n).fill(run.start) },
    ],
  };
  const model: OutputTable = {
    rowCount: 1,
    columns: [
      { name: 'run_id', sqlType: 'varchar', values: [run.runId] },
      { name: 'created_at', sqlType: 'timestamp(3)', values: [run.start] },
      { name: 'model', sqlType: 'varchar', values: [run.model ?? JSON.stringify({ k: 4, run: run.runId })] },
    ],
  };
  return { segments: { target, table: segments }, model: { target: `${target}_model`, table: model } };
}

/** Tables of memory.default left beside `target`, its model and side tables: staging, old copies, the lock. */
export async function writeLeftovers(target: string): Promise<string[]> {
  const rows = await queryRows(
    `SELECT table_name FROM memory.information_schema.tables WHERE table_schema = 'default' AND (table_name LIKE '${target}\\_\\_%' ESCAPE '\\' OR table_name LIKE '${target}\\_%\\_\\_%' ESCAPE '\\')`,
  );
  return rows.map((r) => String(r[0])).sort();
}
