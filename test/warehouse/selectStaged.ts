/**
 * For the tests of the SELECT-staged write-back: a customer table in Trino, a model fitted on
 * it by the engine, the model compiled by modelSelect, and a run's outputs whose segments are
 * that SELECT (the model table as runOutputs makes it).
 */
import { segment, type SegmentationModel } from '../../src/segmentation';
import { TrinoWarehouse, type RunOutputs } from '../../src/warehouse';
import { modelSelect } from '../../src/warehouse/sql-model/modelSelect';
import { queryRows, trinoUrl } from '../helpers/trino';
import { runOutputs, type TestRun } from '../helpers/runOutputs';

export interface CustomerModel {
  readonly model: SegmentationModel;
  /** The model compiled over the table, with the table's described column types. */
  readonly select: string;
}

/** The model fitted on `source` (user id custkey) and its SELECT over `source`. */
export async function fitCustomerModel(source: string, k = 3): Promise<CustomerModel> {
  const wh = new TrinoWarehouse({ server: trinoUrl() });
  const table = await wh.scan({ kind: 'table', table: source }, { userId: 'custkey' });
  const { model } = segment(table, { userId: 'custkey', k, nInit: 1 });
  const columnTypes = Object.fromEntries((await wh.describe({ kind: 'table', table: source })).map((c) => [c.name, c.sqlType]));
  return { model: JSON.parse(JSON.stringify(model)) as SegmentationModel, select: modelSelect(model, { table: source }, { columnTypes }) };
}

/** `table` (catalog.schema.table) made from the first `rows` customers of tpch.tiny.customer, with a model fitted on it. */
export async function customerTable(table: string, rows: number, k = 3): Promise<CustomerModel> {
  await queryRows(`DROP TABLE IF EXISTS ${table}`);
  await queryRows(`CREATE TABLE ${table} AS SELECT custkey, nationkey, acctbal, mktsegment FROM tpch.tiny.customer WHERE custkey <= ${rows}`);
  return fitCustomerModel(table, k);
}

/** Run `run`'s outputs, its segments staged from `select` (run.rows is the model row's run only). */
export function selectOutputs(target: string, run: TestRun, select: string, expectedRows?: number): RunOutputs {
  return { segments: { target, select, ...(expectedRows === undefined ? {} : { expectedRows }) }, model: runOutputs(target, run).model };
}

/** Rows of `table` not in the SELECT's result, plus rows of the result not in `table` (user id, segment, label). */
export async function differenceFromSelect(table: string, select: string): Promise<number> {
  const cols = 'CAST(custkey AS varchar), segment, segment_label';
  const [[n]] = await queryRows(
    `SELECT count(*) FROM ((SELECT ${cols} FROM ${table} EXCEPT ALL SELECT ${cols} FROM (\n${select}\n) s1) ` +
      `UNION ALL (SELECT ${cols} FROM (\n${select}\n) s2 EXCEPT ALL SELECT ${cols} FROM ${table}))`,
  );
  return Number(n);
}
