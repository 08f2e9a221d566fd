import { chooseEngine, needsRowCount, type EngineChoice } from '../config/engine';
import type { RunConfig } from '../config/runConfig';
import { checkOutputDir, confinePath } from '../config/fileAccess';
import { checkSourceFile } from '../warehouse/file-check';
import { checkIdentifier } from '../warehouse/identifiers';
import { TrinoWarehouse } from '../warehouse/trino';
import { checkPreviousOutput, outputLocations } from './previous';
import type { RunRef } from './types';
import { activity, allInOrder, cancellationSignal, toSource, withHeartbeat, workerFileAccess } from './runtime';

/** `engine` is absent in the history of a run started before the engine choice existed. */
export interface Checked {
  previousOutput: boolean;
  engine?: EngineChoice;
}

/**
 * Stage 0, pre-flight: everything that can be known wrong before any compute fails here, in
 * seconds, as a non-retryable error naming the file or table:
 * - a source file or output directory outside this worker's allowed roots (AUTOSEG_FILE_ROOTS);
 * - a source file that is missing, unreadable, empty or ragged;
 * - an output directory holding files autoseg did not write;
 * - an output table in a read-only catalog, a missing schema, or a bad name;
 * - a previous output whose model is corrupt or whose segments are keyed by another user id;
 * - first of all, a user id column name that is not a plain identifier (it would otherwise be
 *   reported, misleadingly, as "the previous output is keyed by another column").
 * It also chooses the engine (src/config/engine.ts), counting the source's rows when `auto` needs it.
 */
export async function checkRun({ config }: RunRef): Promise<Checked> {
  return activity(async () => {
    checkIdentifier(config.userId, 'user id column name');
    const access = workerFileAccess();
    if (config.source.kind === 'file') {
      const physical = await confinePath(config.source.path, access, 'source file');
      await checkSourceFile(physical);
    }
    if (config.output.kind === 'dir') {
      await confinePath(config.output.dir, access, 'output directory');
      await checkOutputDir(config.output.dir);
    }
    // The Trino checks and the row count are independent queries: run together.
    const [, { previous }, sourceRows] = await allInOrder<[void, { previous: boolean }, number | null]>([
      config.output.kind === 'dir' ? Promise.resolve() : checkOutputTables(config.output),
      checkPreviousOutput(config.output, config.userId),
      needsRowCount(config) ? countSourceRows(config) : Promise.resolve(null),
    ]);
    return { previousOutput: previous, engine: chooseEngine(config, sourceRows) };
  });
}

async function checkOutputTables(output: Extract<RunConfig['output'], { kind: 'table' }>): Promise<void> {
  const where = outputLocations(output);
  const trino = new TrinoWarehouse();
  try {
    await Promise.all([trino.checkWritable(where.segments), trino.checkWritable(where.model)]);
  } finally {
    await trino.close();
  }
}

async function countSourceRows(config: RunConfig): Promise<number> {
  const trino = new TrinoWarehouse();
  try {
    const from = trino.fromClause(toSource(config.source));
    const { rows } = await withHeartbeat(trino.connection.execute(`SELECT count(*) FROM ${from.sql}`, undefined, cancellationSignal()), { stage: 'check', step: 'count' });
    return Number(rows[0][0]);
  } finally {
    await trino.close();
  }
}
