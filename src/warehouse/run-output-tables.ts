/**
 * The shape of a run's outputs in Trino, for every writer of them (the pipeline's write stage
 * builds the same tables from the rows it carries; `autoseg assign --source-table` from a SELECT):
 *
 *   T          <user id>, segment integer, segment_label varchar, run_id varchar, created_at timestamp(3)
 *   T_model    run_id varchar, created_at timestamp(3), model varchar (model.json's text)
 */
import type { OutputTable } from './warehouse';

/** The model table's one row. `createdAt` is the run's start: the fence orders runs by it. */
export function modelOutputTable(runId: string, createdAt: Date, modelText: string): OutputTable {
  return {
    rowCount: 1,
    columns: [
      { name: 'run_id', sqlType: 'varchar', values: [runId] },
      { name: 'created_at', sqlType: 'timestamp(3)', values: [createdAt] },
      { name: 'model', sqlType: 'varchar', values: [modelText] },
    ],
  };
}

/** The user id column's type in T: the source's type when it is written back as is (integers, strings), else varchar. */
export function segmentUserIdType(sourceType: string | undefined): string {
  const t = sourceType?.trim().toLowerCase() ?? 'varchar';
  return /^(tinyint|smallint|integer|int|bigint|varchar(\(\d+\))?|char\(\d+\))$/.test(t) ? t : 'varchar';
}
