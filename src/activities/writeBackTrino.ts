import type { SegmentationModel } from '../segmentation/artifact';
import { quoteIdentifier, quoteTableRef, type TableRef } from '../warehouse/identifiers';
import { modelSelect, modelSource } from '../warehouse/sql-model/modelSelect';
import { reasonColumn } from '../warehouse/sql-model/reasonsSelect';
import { REASON_COUNT } from '../segmentation/attribution';
import type { SegmentationSummary } from '../segmentation/explain';
import { SIDE_TABLES, sideTables, type SideTable } from '../warehouse/run-side-tables';
import type { OutputTable } from '../warehouse/warehouse';
import type { StagedFeatures } from './engineer';
import { modelOutputTable, segmentUserIdType } from '../warehouse/run-output-tables';
import { TrinoWarehouse } from '../warehouse/trino';
import type { StagedFit } from './cluster';
import { outputLocations } from './previous';
import type { Written } from './types';
import type { Movement, WriteInput } from './writeBack';
import { cancellationSignal, heartbeat, stageStore, toSource } from './runtime';

/**
 * How customers moved since the previous run, counted inside Trino: a join of the new segments
 * (`fresh`, a parenthesised query or a table holding the user id and `segment`) with the previous segment table on the
 * user id, grouped by (previous, new) segment. Customers in only one of the two are not moves.
 * The ids are compared as they are when both tables have the same id type, else as text.
 */
export async function movementInTrino(trino: TrinoWarehouse, fresh: string, previousTable: string, userId: string, k: number, signal?: AbortSignal): Promise<Movement> {
  if (!(await trino.tableExists(previousTable))) return { previousRows: null, moved: null, transitions: null };
  const prev = trino.fromClause({ kind: 'table', table: previousTable }).sql;
  const id = quoteIdentifier(userId);
  const conn = trino.connection;
  const count = await conn.execute(`SELECT count(*) FROM ${prev}`, undefined, signal);
  const typeOf = async (from: string) => (await conn.execute(`SELECT * FROM ${from} LIMIT 0`, undefined, signal)).columns.find((c) => c.name.toLowerCase() === userId.toLowerCase())?.type;
  const same = (await typeOf(fresh)) === (await typeOf(prev));
  const key = (alias: string) => (same ? `${alias}.${id}` : `CAST(${alias}.${id} AS varchar)`);
  const { rows } = await conn.execute(
    `SELECT p.segment, n.segment, count(*) FROM ${fresh} AS n JOIN ${prev} p ON ${key('n')} = ${key('p')} ` + 'WHERE p.segment >= 0 AND n.segment IS NOT NULL GROUP BY 1, 2',
    undefined,
    signal,
  );
  let prevK = k;
  for (const r of rows) prevK = Math.max(prevK, Number(r[0]) + 1);
  const transitions = Array.from({ length: prevK }, () => new Array<number>(k).fill(0));
  let moved = 0;
  for (const r of rows) {
    const before = Number(r[0]);
    const after = Number(r[1]);
    const n = Number(r[2]);
    transitions[before][after] += n;
    if (before !== after) moved += n;
  }
  while (transitions.length > 1 && transitions[transitions.length - 1].every((v) => v === 0)) transitions.pop();
  return { previousRows: Number(count.rows[0][0]), moved, transitions };
}

/**
 * Stage 7 in pushdown mode: the model compiled to one SELECT (sql-model/modelSelect.ts) runs as
 * CREATE TABLE AS into the staging table, then the same lock, fence and atomic swap as worker
 * mode. No customer row passes through the worker.
 */
export async function writeSegmentsInTrino(input: WriteInput): Promise<Written> {
  const { runId, config, createdAt } = input;
  const store = stageStore();
  const [fit, model, features, summary] = await Promise.all([
    store.getJson<StagedFit>(runId, 'fit'),
    store.getJson<SegmentationModel>(runId, 'model'),
    store.getJson<StagedFeatures>(runId, 'features'),
    store.getJson<SegmentationSummary>(runId, 'explain'),
  ]);
  const where = outputLocations(config.output);
  const source = toSource(config.source);
  const trino = new TrinoWarehouse();
  const signal = cancellationSignal();
  try {
    const columnTypes = await trino.columnTypes(source);
    const reasons = config.reasons ? REASON_COUNT : 0;
    const compiled = modelSelect(model, modelSource(source), { userId: config.userId, columnTypes, reasons });
    // The user id keeps its source type when worker mode would keep it too (integers, strings), else varchar.
    const idType = Object.entries(columnTypes).find(([name]) => name.toLowerCase() === config.userId.toLowerCase())?.[1];
    const id = quoteIdentifier(config.userId);
    const select =
      segmentUserIdType(idType) === idType?.trim().toLowerCase()
        ? compiled
        : `SELECT CAST(${id} AS varchar) AS ${id}, ${['segment', 'segment_label', ...Array.from({ length: reasons }, (_, t) => reasonColumn(t + 1))].join(', ')} FROM (\n${compiled}\n)`;
    // Counted from the staging table, against the target while it still holds the previous run;
    // kept in the stage, so a retry after the swap does not compare the run with itself.
    const movementStaged = () => store.has(runId, 'movement', 'json');
    const onStaged = async (staging: TableRef): Promise<void> => {
      if (await movementStaged()) return;
      heartbeat({ step: 'movement' });
      await store.putJson(runId, 'movement', await movementInTrino(trino, quoteTableRef(staging), where.segments, config.userId, fit.k, signal));
    };
    const created = new Date(createdAt);
    // The side tables, once the movement is measured (onStaged); one build for all five.
    let sides: Promise<Record<SideTable, OutputTable>> | undefined;
    const side = (name: SideTable) => async (): Promise<OutputTable> => {
      sides ??= store
        .getJson<Movement>(runId, 'movement')
        .then((moves) =>
          sideTables({ runId, createdAt: created, dictionary: features.dictionary, scores: input.scores ?? [], chosenK: input.chosenK ?? fit.k, summary, transitions: moves.transitions }),
        );
      return (await sides)[name];
    };
    const result = await trino.writeRunOutputs(
      {
        segments: { target: where.segments, select },
        model: { target: where.model, table: modelOutputTable(runId, created, JSON.stringify(model)) },
        extras: SIDE_TABLES.map((name) => ({ target: where.sideTables[name], table: side(name) })),
      },
      { runId, runStartedAt: created, signal, onProgress: (p) => heartbeat(p), onStaged },
    );
    // A retry that found the swap done by an attempt whose stage was lost: moves unknown.
    let moves: Movement;
    if (await movementStaged()) moves = await store.getJson<Movement>(runId, 'movement');
    else await store.putJson(runId, 'movement', (moves = { previousRows: null, moved: null, transitions: null }));
    return { target: where.segments, model: where.model, rows: result.rowCount, outcome: result.outcome, movedSincePrevious: moves.moved, previousRows: moves.previousRows };
  } finally {
    await trino.close();
  }
}
