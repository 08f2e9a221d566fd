import { join } from 'node:path';
import type { RunConfig } from '../config/runConfig';
import { checkOutputDir, confinePath, OUTPUT_MARKER } from '../config/fileAccess';
import { writeFileAtomic } from '../shared/atomicFile';
import type { DataDictionary } from '../segmentation/dictionary';
import type { StagedFeatures } from './engineer';
import type { StagedFit } from './cluster';
import { outputLocations, readPreviousSegments } from './previous';
import type { EngineRef, Written } from './types';
import { writeSegmentsInTrino } from './writeBackTrino';
import { collectingAfter } from './memory';
import { activity, cancellationSignal, heartbeat, stageStore, throwIfCancelled, withHeartbeat, workerFileAccess } from './runtime';
import { writeCsvFileAtomic } from '../warehouse/csv-file';
import { TrinoWarehouse } from '../warehouse/trino';
import { modelOutputTable, segmentUserIdType } from '../warehouse/run-output-tables';
import type { OutputColumn } from '../warehouse/warehouse';
import type { SegmentationSummary } from '../segmentation/explain';
import { customerReasons, REASON_COUNT } from '../segmentation/attribution';
import { reasonColumn } from '../warehouse/sql-model/reasonsSelect';
import { SIDE_TABLES, sideTables } from '../warehouse/run-side-tables';
import type { KScore } from '../segmentation/scoring';

/** The write stage's input: the run, and the k scores for the scores side table (absent in runs started before it existed). */
export interface WriteInput extends EngineRef {
  readonly createdAt: string;
  readonly scores?: KScore[];
  readonly chosenK?: number;
}

/** How customers moved since the previous run; computed once per run and kept in the stage. */
export interface Movement {
  previousRows: number | null;
  moved: number | null;
  /** transitions[previousSegment][newSegment] = customers, over customers present in both runs. */
  transitions: number[][] | null;
}

async function movement(runId: string, config: RunConfig, userIds: string[], labels: Int32Array, k: number): Promise<Movement> {
  const store = stageStore();
  // A retry after the table was replaced must not compare the run with itself.
  if (await store.has(runId, 'movement', 'json')) return store.getJson<Movement>(runId, 'movement');
  const previous = await readPreviousSegments(config.output, config.userId);
  let result: Movement = { previousRows: null, moved: null, transitions: null };
  if (previous) {
    let prevK = k;
    for (const v of previous.values()) if (Number.isInteger(v) && v >= prevK) prevK = v + 1;
    const transitions = Array.from({ length: prevK }, () => new Array<number>(k).fill(0));
    let moved = 0;
    for (let i = 0; i < userIds.length; i++) {
      const before = previous.get(userIds[i]);
      if (before === undefined || before < 0 || !Number.isInteger(before)) continue;
      transitions[before][labels[i]]++;
      if (before !== labels[i]) moved++;
    }
    while (transitions.length > 1 && transitions[transitions.length - 1].every((v) => v === 0)) transitions.pop();
    result = { previousRows: previous.size, moved, transitions };
  }
  await store.putJson(runId, 'movement', result);
  return result;
}

/** The user id column's source type when it can be written back as is, else varchar. */
function userIdSqlType(dictionary: DataDictionary): string {
  return segmentUserIdType(dictionary.columns.find((c) => c.treatment === 'user_id')?.sourceType ?? undefined);
}

/**
 * Stage 7: the segment table, replaced atomically (staging table named after the run, row count
 * checked, then swapped; or a temp file renamed), and the model beside it. Retrying converges to
 * the same table. Columns: the user id (source name and type), segment, segment_label, and for
 * tables run_id and created_at. Pushdown mode: see writeBackTrino.ts.
 */
export async function writeSegments(input: WriteInput): Promise<Written> {
  const { runId, config, createdAt, engine } = input;
  // One CREATE TABLE AS can outlast the heartbeat timeout: beat while it runs.
  if (engine === 'trino') return activity(() => withHeartbeat(writeSegmentsInTrino(input), { stage: 'write' }));
  return collectingAfter(
    activity(async () => {
      const store = stageStore();
      const [features, userIds, fit, labels, summary, model] = await Promise.all([
        store.getJson<StagedFeatures>(runId, 'features'),
        store.getStrings(runId, 'userIds') as Promise<string[]>, // engineering rejected null ids
        store.getJson<StagedFit>(runId, 'fit'),
        store.getLabels(runId, 'labels'),
        store.getJson<SegmentationSummary>(runId, 'explain'),
        store.getJson<unknown>(runId, 'model'),
      ]);
      const moves = await movement(runId, config, userIds, labels, fit.k);
      const segmentLabels = summary.segments.map((s) => s.label);
      const n = labels.length;
      const where = outputLocations(config.output);
      const base: OutputColumn[] = [
        { name: config.userId, sqlType: userIdSqlType(features.dictionary), values: userIds },
        { name: 'segment', sqlType: 'integer', values: labels },
        { name: 'segment_label', sqlType: 'varchar', values: Array.from(labels, (l) => segmentLabels[l]) },
      ];
      if (config.reasons) {
        const matrix = await store.getMatrix(runId, 'matrix');
        const reasons = customerReasons(matrix, labels, Float64Array.from(fit.centroids.flat()), fit.k, features.featureColumns, REASON_COUNT);
        reasons.forEach((values, t) => base.push({ name: reasonColumn(t + 1), sqlType: 'varchar', values }));
      }
      const modelText = JSON.stringify(model);
      const created = new Date(createdAt);
      const sides = sideTables({ runId, createdAt: created, dictionary: features.dictionary, scores: input.scores ?? [], chosenK: input.chosenK ?? fit.k, summary, transitions: moves.transitions });
      let outcome: string;
      if (config.output.kind === 'dir') {
        // Checked again at write time: the directory may have changed since the pre-flight.
        const dir = await confinePath(config.output.dir, workerFileAccess(), 'output directory');
        await checkOutputDir(dir);
        throwIfCancelled();
        await writeFileAtomic(join(dir, OUTPUT_MARKER), `${JSON.stringify({ format: 'autoseg.output', runId, userId: config.userId })}\n`);
        await writeCsvFileAtomic(where.segments, { rowCount: n, columns: base });
        await writeFileAtomic(where.model, modelText);
        for (const side of SIDE_TABLES) await writeCsvFileAtomic(where.sideTables[side], sides[side]);
        outcome = 'replaced';
      } else {
        const trino = new TrinoWarehouse();
        try {
          const result = await trino.writeRunOutputs(
            {
              segments: {
                target: where.segments,
                table: {
                  rowCount: n,
                  columns: [
                    ...base,
                    { name: 'run_id', sqlType: 'varchar', values: new Array<string>(n).fill(runId) },
                    { name: 'created_at', sqlType: 'timestamp(3)', values: new Array<Date>(n).fill(created) },
                  ],
                },
              },
              model: { target: where.model, table: modelOutputTable(runId, created, modelText) },
              extras: SIDE_TABLES.map((side) => ({ target: where.sideTables[side], table: sides[side] })),
            },
            { runId, runStartedAt: created, signal: cancellationSignal(), onProgress: (p) => heartbeat(p) },
          );
          outcome = result.outcome;
        } finally {
          await trino.close();
        }
      }
      return { target: where.segments, model: where.model, rows: n, outcome, movedSincePrevious: moves.moved, previousRows: moves.previousRows };
    }),
  );
}
