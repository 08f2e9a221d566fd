import { resolve } from 'node:path';
import type { Command } from 'commander';
import { assign, type SegmentationModel } from '../../segmentation/artifact';
import { DuckDBWarehouse } from '../../warehouse/duckdb';
import { writeCsvFileAtomic } from '../../warehouse/csv-file';
import { TrinoWarehouse } from '../../warehouse/trino';
import { assignInTrino } from '../assignInTrino';
import { CliUsageError } from '../exitCodes';
import { readModelFile } from './sql';

interface AssignOptions {
  model: string;
  input?: string;
  out?: string;
  sourceTable?: string;
  outputTable?: string;
}

/** A file in, a CSV out: the customers read into this process and assigned by the engine. */
async function assignFile(model: SegmentationModel, input: string, out: string): Promise<void> {
  const userId = model.dictionary.userId;
  const duck = new DuckDBWarehouse();
  try {
    const table = await duck.scan({ kind: 'file', path: resolve(input) }, { userId });
    const labels = assign(model, table);
    const ids = table.columns.find((c) => c.name === userId);
    if (!ids || ids.kind !== 'categorical') throw new CliUsageError(`${input} has no user id column ${userId}`);
    await writeCsvFileAtomic(resolve(out), {
      rowCount: table.rowCount,
      columns: [
        { name: userId, sqlType: 'varchar', values: ids.values },
        { name: 'segment', sqlType: 'integer', values: labels },
        { name: 'segment_label', sqlType: 'varchar', values: Array.from(labels, (l) => model.segmentLabels[l] ?? `segment ${l}`) },
      ],
    });
    process.stdout.write(`assigned ${table.rowCount} customers to ${model.k} segments: ${resolve(out)}\n`);
  } finally {
    await duck.close();
  }
}

/** A Trino table in, a Trino table out: scored inside Trino (TRINO_URL), Ctrl-C cancels the running query. */
async function assignTable(model: SegmentationModel, sourceTable: string, outputTable: string): Promise<void> {
  const controller = new AbortController();
  const interrupt = (): void => controller.abort();
  process.once('SIGINT', interrupt);
  const wh = new TrinoWarehouse();
  try {
    const r = await assignInTrino(wh, { model, sourceTable, outputTable, signal: controller.signal });
    process.stdout.write(`assigned ${r.rowCount} customers of ${r.source} to ${model.k} segments: ${r.target} ${r.outcome}, the model in ${r.modelTarget}\n`);
  } finally {
    process.removeListener('SIGINT', interrupt);
    await wh.close();
  }
}

export function registerAssign(program: Command): void {
  program
    .command('assign')
    .description(
      "Give customers their segment with a run's model.json (same encoding, scaling, weights and centroids): " +
        'a file into a CSV (--input, --out), or a Trino table into a Trino table, scored inside Trino (--source-table, --output-table).',
    )
    .requiredOption('--model <file>', 'model.json written by a run')
    .option('--input <file>', 'customers to assign: CSV, Parquet or .duckdb (same columns as the training table)')
    .option('--out <file>', 'CSV to write: user id, segment, segment_label')
    .option('--source-table <table>', 'or the customers in Trino (TRINO_URL): catalog.schema.table')
    .option('--output-table <table>', 'the Trino table to write (user id, segment, segment_label, run_id, created_at), replaced atomically; the model goes to <table>_model')
    .action(async (o: AssignOptions) => {
      const files = o.input !== undefined || o.out !== undefined;
      const tables = o.sourceTable !== undefined || o.outputTable !== undefined;
      if (files === tables) throw new CliUsageError('give either --input and --out (files) or --source-table and --output-table (Trino tables)');
      if (files && (o.input === undefined || o.out === undefined)) throw new CliUsageError('--input and --out go together');
      if (tables && (o.sourceTable === undefined || o.outputTable === undefined)) throw new CliUsageError('--source-table and --output-table go together');
      const model = readModelFile(o.model);
      if (files) await assignFile(model, o.input as string, o.out as string);
      else await assignTable(model, o.sourceTable as string, o.outputTable as string);
    });
}
