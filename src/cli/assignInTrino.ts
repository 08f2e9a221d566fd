/**
 * `autoseg assign --source-table A --output-table B`: the customers of A scored inside Trino,
 * none of them through this process. The model is compiled into one SELECT (modelSelect, with
 * A's described column types) and written back like a run's output: B staged by one
 * CREATE TABLE AS SELECT, its row count checked against A's, then swapped in with `B_model`
 * (the model's JSON) under the output lock (trino-run-write.ts). Retryable failures are retried
 * with the same run id (the write is idempotent per run); a failed write is cleaned up.
 */
import { randomBytes } from 'node:crypto';
import type { SegmentationModel } from '../segmentation/artifact';
import { isSegmentationInputError } from '../segmentation/errors';
import { isRetryableWarehouseError, WarehouseInputError } from '../warehouse/errors';
import { quoteIdentifier, quoteTableRef, tableName, withTableName, type TableRef } from '../warehouse/identifiers';
import { modelOutputTable, segmentUserIdType } from '../warehouse/run-output-tables';
import { modelSelect, SEGMENT_COLUMN, SEGMENT_LABEL_COLUMN } from '../warehouse/sql-model/modelSelect';
import type { TrinoWarehouse } from '../warehouse/trino';
import type { RunWriteResult } from '../warehouse/trino-run-write';
import type { ColumnInfo } from '../warehouse/warehouse';
import { CliUsageError } from './exitCodes';

export interface AssignInTrinoOptions {
  readonly model: SegmentationModel;
  readonly sourceTable: string;
  readonly outputTable: string;
  readonly signal?: AbortSignal;
  /** Attempts of the write for retryable failures (Trino unavailable, a staging count off); default 3. */
  readonly attempts?: number;
  readonly retryDelayMs?: number;
}

export interface AssignInTrinoResult extends RunWriteResult {
  readonly runId: string;
  readonly source: string;
  readonly target: string;
  readonly modelTarget: string;
}

const full = (ref: TableRef): string => ref.parts.join('.');

/** Bad input about `what` (the source or the output table) as a CLI usage error naming it; anything else unchanged. */
function naming(what: string, err: unknown): unknown {
  if (err instanceof WarehouseInputError || isSegmentationInputError(err)) return new CliUsageError(`${what}: ${err.message}`);
  return err;
}

async function orNaming<T>(what: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    throw naming(what, err);
  }
}

/** The rows the output must get: every row of the source, each with a user id, each id once. */
async function countCustomers(wh: TrinoWarehouse, source: TableRef, userIdColumn: ColumnInfo): Promise<number> {
  const what = `source table ${full(source)}`;
  const id = quoteIdentifier(userIdColumn.name);
  const { rows } = await orNaming(what, () => wh.connection.execute(`SELECT count(*), count(${id}), count(DISTINCT ${id}) FROM ${quoteTableRef(source)}`));
  const [n, withId, distinct] = rows[0].map(Number);
  if (n === 0) throw new CliUsageError(`${what} has no rows`);
  if (withId < n) throw new CliUsageError(`${what}: ${n - withId} of ${n} rows have no user id (column ${userIdColumn.name} is null)`);
  if (distinct < withId) throw new CliUsageError(`${what}: the user id column ${userIdColumn.name} has duplicates (${n} rows, ${distinct} distinct ids)`);
  return n;
}

/** The output and its model table: writable and (if they exist) autoseg's own outputs. */
async function checkOutput(wh: TrinoWarehouse, target: TableRef, modelTarget: TableRef): Promise<void> {
  const what = `output table ${full(target)}`;
  await wh.checkWritable(full(target)); // its errors name the table
  for (const t of [target, modelTarget]) {
    if (!(await wh.tableExists(full(t)))) continue;
    const names = new Set((await wh.describe({ kind: 'table', table: full(t) })).map((c) => c.name.toLowerCase()));
    if (!names.has('run_id') || !names.has('created_at')) {
      throw new CliUsageError(`${what}: ${full(t)} exists and is not an autoseg output (no run_id and created_at columns); choose another --output-table or drop it`);
    }
  }
}

/**
 * The SELECT staged as the segment table: modelSelect's columns (user id, segment, segment_label)
 * over the described source, the user id in the type the pipeline's write stage gives it
 * (segmentUserIdType). Throws naming the source's missing column.
 */
function segmentsSelect(model: SegmentationModel, source: string, columns: readonly ColumnInfo[]): { select: string; userIdColumn: ColumnInfo } {
  const userId = model.dictionary.userId;
  const userIdColumn = columns.find((c) => c.name.toLowerCase() === userId.toLowerCase());
  if (!userIdColumn) throw new CliUsageError(`source table ${source} has no column ${userId}, the model's user id column`);
  const columnTypes = Object.fromEntries(columns.map((c) => [c.name, c.sqlType]));
  const compiled = modelSelect(model, { table: source }, { userId, columnTypes });
  const idType = segmentUserIdType(userIdColumn.sqlType);
  if (idType === userIdColumn.sqlType.trim().toLowerCase()) return { select: compiled, userIdColumn };
  const [id, segment, label] = [userId, SEGMENT_COLUMN, SEGMENT_LABEL_COLUMN].map(quoteIdentifier);
  return { select: `SELECT CAST(${id} AS ${idType}) AS ${id}, ${segment}, ${label}\nFROM (\n${compiled}\n) AS autoseg_assigned`, userIdColumn };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function assignInTrino(wh: TrinoWarehouse, options: AssignInTrinoOptions): Promise<AssignInTrinoResult> {
  const { model, signal } = options;
  const source = await orNaming(`source table ${options.sourceTable}`, async () => wh.resolveTable(options.sourceTable));
  const target = await orNaming(`output table ${options.outputTable}`, async () => wh.resolveTable(options.outputTable));
  const modelTarget = await orNaming(`output table ${options.outputTable}`, async () => withTableName(target, `${tableName(target)}_model`));
  for (const t of [target, modelTarget]) {
    if (full(t) === full(source)) throw new CliUsageError(`output table ${full(target)}: ${full(t)} is the source table; write to another table`);
  }
  const sourceName = `source table ${full(source)}`;
  const columns = await orNaming(sourceName, () => wh.describe({ kind: 'table', table: full(source) }));
  const { select, userIdColumn } = await orNaming(sourceName, async () => segmentsSelect(model, full(source), columns));
  const rows = await countCustomers(wh, source, userIdColumn);
  await checkOutput(wh, target, modelTarget);

  const runStartedAt = new Date();
  const runId = `assign-${runStartedAt.toISOString().replace(/[-:.]/g, '')}-${randomBytes(4).toString('hex')}`;
  const outputs = {
    segments: { target: full(target), select, expectedRows: rows },
    model: { target: full(modelTarget), table: modelOutputTable(runId, runStartedAt, JSON.stringify(model)) },
  };
  const attempts = options.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await wh.writeRunOutputs(outputs, { runId, runStartedAt, signal });
      return { ...result, runId, source: full(source), target: full(target), modelTarget: full(modelTarget) };
    } catch (err) {
      if (!isRetryableWarehouseError(err) || attempt >= attempts || signal?.aborted) {
        // Compensation, as a failed run gets: a half-done swap settled, staging and lock dropped.
        await wh.cleanupRun({ segments: full(target), model: full(modelTarget) }, runId).catch(() => undefined);
        throw err;
      }
      await sleep(options.retryDelayMs ?? 2000);
    }
  }
}
