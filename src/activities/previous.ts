import { SIDE_TABLES, sideTableName, type SideTable } from '../warehouse/run-side-tables';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { OutputSpec } from '../config/runConfig';
import type { PreviousCentroids } from '../segmentation/stableIds';
import { DuckDBWarehouse } from '../warehouse/duckdb';
import { TrinoWarehouse } from '../warehouse/trino';

/** Where a run's outputs go, by output kind: the segment table/file and the model. */
export function outputLocations(output: OutputSpec, env = process.env): { segments: string; model: string; summary: string; report: string; sideTables: Record<SideTable, string> } {
  if (output.kind === 'dir') {
    const sideTables = Object.fromEntries(SIDE_TABLES.map((t) => [t, join(output.dir, `${t}.csv`)])) as Record<SideTable, string>;
    return { segments: join(output.dir, 'segments.csv'), model: join(output.dir, 'model.json'), summary: join(output.dir, 'summary.json'), report: join(output.dir, 'report.html'), sideTables };
  }
  const sideTables = Object.fromEntries(SIDE_TABLES.map((t) => [t, sideTableName(output.table, t)])) as Record<SideTable, string>;
  // A table output's summary and report are files too: one folder per output table, replaced each run.
  // The default is per user, like the stage store: another user on the machine must not write it.
  const dir = join(env.AUTOSEG_REPORT_DIR || join(tmpdir(), `autoseg-reports-${process.getuid?.() ?? 'user'}`), output.table);
  return { segments: output.table, model: `${output.table}_model`, summary: join(dir, 'summary.json'), report: join(dir, 'report.html'), sideTables };
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

/**
 * The previous output cannot be used: a corrupt model, or segments keyed by another user id.
 * Retrying cannot help; the message names the file or table and what to do.
 */
export class PreviousOutputError extends Error {
  override readonly name = 'PreviousOutputError';
  readonly code = 'PREVIOUS_OUTPUT_UNUSABLE';
}

/** The previous run's centroids by column name, from its model artifact (`where` names it in errors). */
export function previousCentroids(modelText: string | null, where = 'the previous model'): PreviousCentroids | null {
  if (modelText === null) return null;
  const fix = 'delete it (the next run starts segment numbers afresh) or write to another output';
  let model: { featureColumns?: { name: string }[]; centroids?: number[][] };
  try {
    model = JSON.parse(modelText) as typeof model;
  } catch (e) {
    throw new PreviousOutputError(`previous model ${where} is not valid JSON (${(e as Error).message}): ${fix}`);
  }
  const columns = Array.isArray(model?.featureColumns) ? model.featureColumns.map((c) => c?.name) : null;
  const centroids = model?.centroids;
  const valid =
    columns !== null &&
    columns.every((c) => typeof c === 'string') &&
    Array.isArray(centroids) &&
    centroids.length > 0 &&
    centroids.every((row) => Array.isArray(row) && row.length === columns.length && row.every((v) => typeof v === 'number' && Number.isFinite(v)));
  if (!valid) throw new PreviousOutputError(`previous model ${where} is not an autoseg model (featureColumns and centroids missing or inconsistent): ${fix}`);
  return { columns: columns as string[], centroids: centroids as number[][] };
}

/** The previous model of `output`, checked: null when there is none, PreviousOutputError when unusable. */
export async function readPreviousCentroids(output: OutputSpec): Promise<PreviousCentroids | null> {
  return previousCentroids(await readPreviousModelText(output), outputLocations(output).model);
}

/**
 * Pre-flight check of the previous output: its model must parse, and its segments must be keyed
 * by the same user id column, or the run would fail only at write-back, after all the compute.
 */
export async function checkPreviousOutput(output: OutputSpec, userId: string): Promise<{ previous: boolean }> {
  const where = outputLocations(output);
  const centroids = await readPreviousCentroids(output);
  let columns: string[] | null = null;
  if (output.kind === 'dir') {
    if (existsSync(where.segments)) {
      const duck = new DuckDBWarehouse();
      try {
        columns = (await duck.describe({ kind: 'file', path: where.segments })).map((c) => c.name);
      } catch (e) {
        throw new PreviousOutputError(`previous segments file ${where.segments} cannot be read (${(e as Error).message}): delete it or write to another directory`);
      } finally {
        await duck.close();
      }
    }
  } else {
    const trino = new TrinoWarehouse();
    try {
      if (await trino.tableExists(where.segments)) columns = (await trino.describe({ kind: 'table', table: where.segments })).map((c) => c.name);
    } finally {
      await trino.close();
    }
  }
  if (columns !== null && !columns.some((c) => c.toLowerCase() === userId.toLowerCase())) {
    const what = output.kind === 'dir' ? `output directory ${output.dir} holds segments (${where.segments})` : `output table ${where.segments} holds segments`;
    throw new PreviousOutputError(`${what} keyed by ${columns[0] ?? 'another column'}, not by the user id ${userId}: write to another output, or remove the previous one`);
  }
  if (columns !== null && !columns.includes('segment')) {
    throw new PreviousOutputError(`${output.kind === 'dir' ? 'file' : 'table'} ${where.segments} has no segment column: it was not written by autoseg; choose another output`);
  }
  return { previous: centroids !== null || columns !== null };
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
