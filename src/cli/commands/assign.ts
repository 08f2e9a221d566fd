import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { assign, validateModel } from '../../segmentation/artifact';
import { DuckDBWarehouse } from '../../warehouse/duckdb';
import { writeCsvFileAtomic } from '../../warehouse/csv-file';
import { CliUsageError } from '../exitCodes';

export function registerAssign(program: Command): void {
  program
    .command('assign')
    .description("Give new customers their segment with a run's model.json (same encoding, scaling, weights and centroids).")
    .requiredOption('--model <file>', 'model.json written by a run')
    .requiredOption('--input <file>', 'customers to assign: CSV, Parquet or .duckdb (same columns as the training table)')
    .requiredOption('--out <file>', 'CSV to write: user id, segment, segment_label')
    .action(async (o: { model: string; input: string; out: string }) => {
      let raw: unknown;
      try {
        raw = JSON.parse(readFileSync(o.model, 'utf8'));
      } catch (e) {
        throw new CliUsageError(`cannot read model ${o.model}: ${(e as Error).message}`);
      }
      const model = validateModel(raw);
      const userId = model.dictionary.userId;
      const duck = new DuckDBWarehouse();
      try {
        const table = await duck.scan({ kind: 'file', path: resolve(o.input) }, { userId });
        const labels = assign(model, table);
        const ids = table.columns.find((c) => c.name === userId);
        if (!ids || ids.kind !== 'categorical') throw new CliUsageError(`${o.input} has no user id column ${userId}`);
        await writeCsvFileAtomic(resolve(o.out), {
          rowCount: table.rowCount,
          columns: [
            { name: userId, sqlType: 'varchar', values: ids.values },
            { name: 'segment', sqlType: 'integer', values: labels },
            { name: 'segment_label', sqlType: 'varchar', values: Array.from(labels, (l) => model.segmentLabels[l] ?? `segment ${l}`) },
          ],
        });
        process.stdout.write(`assigned ${table.rowCount} customers to ${model.k} segments: ${resolve(o.out)}\n`);
      } finally {
        await duck.close();
      }
    });
}
