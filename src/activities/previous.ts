import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputSpec } from '../config/runConfig';
import type { PreviousCentroids } from '../segmentation/stableIds';
import { DuckDBWarehouse } from '../warehouse/duckdb';
import { TrinoWarehouse } from '../warehouse/trino';

/** Where a run's outputs go, by output kind: the segment table/file and the model. */
export function outputLocations(output: OutputSpec, env = process.env): { segments: string; model: string; summary: string; report: string } {
  if (output.kind === 'dir') {
    return { segments: join(output.dir, 'segments.csv'), model: join(output.dir, 'model.json'), summary: join(output.dir, 'summary.json'), report: join(output.dir, 'report.html') };
  }
  // A table output's summary and report are files too: one folder per output table, replaced each run.
  const dir = join(env.AUTOSEG_REPORT_DIR || join(tmpdir(), 'autoseg-reports'), output.table);
  return { segments: output.table, model: `${output.table}_model`, summary: join(dir, 'summary.json'), report: join(dir, 'report.html') };
}

/** The model artifact of the previous run that wrote to `output`, as JSON text, or null. */
export async function readPreviousModelText(output: OutputSpec): Promise<string | null> {
  const where = outputLocations(output);
  if (output.kind === 'dir') return existsSync(where.model) ? readFile(where.model, 'utf8') : null;
  const trino = new TrinoWarehouse();
  try {
    if (!(await trino.tableExists(where.model))) return null;
    const table = await trino.scan({ kind: 'table', table: where.model }, { columns: ['model'] });
    const col = table.columns.find((c) => c.name === 'model');
    return col && col.kind === 'categorical' && table.rowCount > 0 ? col.values[0] : null;
  } finally {
    await trino.close();
  }
}

/** The previous run's centroids by column name, from its model artifact. */
export function previousCentroids(modelText: string | null): PreviousCentroids | null {
  if (modelText === null) return null;
  const model = JSON.parse(modelText) as { featureColumns?: { name: string }[]; centroids?: number[][] };
  if (!model.featureColumns || !model.centroids) return null;
  return { columns: model.featureColumns.map((c) => c.name), centroids: model.centroids };
}

/** The previous run's segment per user id, or null when there is no previous output. */
export async function readPreviousSegments(output: OutputSpec, userId: string): Promise<Map<string, number> | null> {
  const where = outputLocations(output);
  let table;
  if (output.kind === 'dir') {
    if (!existsSync(where.segments)) return null;
    const duck = new DuckDBWarehouse();
    try {
      table = await duck.scan({ kind: 'file', path: where.segments }, { userId, columns: ['segment'] });
    } finally {
      await duck.close();
    }
  } else {
    const trino = new TrinoWarehouse();
    try {
      if (!(await trino.tableExists(where.segments))) return null;
      table = await trino.scan({ kind: 'table', table: where.segments }, { userId, columns: ['segment'] });
    } finally {
      await trino.close();
    }
  }
  const ids = table.columns.find((c) => c.name.toLowerCase() === userId.toLowerCase());
  const seg = table.columns.find((c) => c.name === 'segment');
  if (!ids || ids.kind !== 'categorical' || !seg || seg.kind !== 'numeric') return null;
  const map = new Map<string, number>();
  for (let i = 0; i < table.rowCount; i++) if (ids.values[i] !== null) map.set(ids.values[i] as string, seg.values[i]);
  return map;
}
