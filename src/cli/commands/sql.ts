import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { validateModel, type SegmentationModel } from '../../segmentation/artifact';
import { isSegmentationInputError } from '../../segmentation/errors';
import { modelSelect } from '../../warehouse/sql-model/modelSelect';
import { TrinoWarehouse } from '../../warehouse/trino';
import { CliUsageError } from '../exitCodes';

interface SqlOptions {
  model: string;
  sourceTable?: string;
  sourceSql?: string;
  userId?: string;
  labels: boolean;
  extraColumns?: string;
  describe?: boolean;
}

/** Reads and validates model.json; any problem is bad input (exit 2) naming the file. */
export function readModelFile(path: string): SegmentationModel {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new CliUsageError(`cannot read model ${path}: ${(e as Error).message}`);
  }
  try {
    return validateModel(raw);
  } catch (e) {
    if (isSegmentationInputError(e)) throw new CliUsageError(`model ${path}: ${e.message}`);
    throw e;
  }
}

export function registerSql(program: Command): void {
  program
    .command('sql')
    .description("Print a run's model.json as one Trino SELECT (user id, segment, segment_label) over a source table, for a view or a dbt model; it assigns exactly as `autoseg assign`.")
    .requiredOption('--model <file>', 'model.json written by a run')
    .option('--source-table <table>', 'the customers to assign: catalog.schema.table')
    .option('--source-sql <select>', 'or a SELECT giving them')
    .option('--user-id <column>', "the source's user id column (default: the model's)")
    .option('--no-labels', 'leave out the segment_label column')
    .option('--extra-columns <list>', 'comma-separated source columns to pass through after the user id')
    .option('--describe', "read the source's column types from Trino (TRINO_URL) instead of the types recorded in the model, and check the columns now")
    .action(async (o: SqlOptions) => {
      if ((o.sourceTable === undefined) === (o.sourceSql === undefined)) throw new CliUsageError('give exactly one of --source-table and --source-sql');
      const model = readModelFile(o.model);
      const source = o.sourceTable !== undefined ? { table: o.sourceTable } : { sql: o.sourceSql };
      const extraColumns =
        o.extraColumns === undefined
          ? []
          : o.extraColumns
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s.length > 0);
      let columnTypes: Record<string, string> | undefined;
      if (o.describe) {
        const wh = new TrinoWarehouse();
        try {
          const described = await wh.describe(o.sourceTable !== undefined ? { kind: 'table', table: o.sourceTable } : { kind: 'sql', sql: o.sourceSql as string });
          columnTypes = Object.fromEntries(described.map((c) => [c.name, c.sqlType]));
        } finally {
          await wh.close();
        }
      }
      const sql = modelSelect(model, source, { userId: o.userId, labels: o.labels, extraColumns, columnTypes });
      process.stdout.write(`${sql}\n`);
    });
}
