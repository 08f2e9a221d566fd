import type { EngineMode, RunConfig } from './runConfig';

/** Which engine a run uses and why, as the summary, the CLI and the report show it. */
export interface EngineChoice {
  readonly mode: EngineMode;
  readonly reason: string;
  /** The source's row count when it was counted (auto or trino mode with a Trino source). */
  readonly sourceRows: number | null;
}

/** A run asked for `engine: trino` where pushdown is impossible: a file source or a directory output. */
export class EngineConfigError extends Error {
  override readonly name = 'RunConfigError';
  readonly code = 'ENGINE_UNAVAILABLE';
}

/** Whether the run's data lives in Trino at both ends, the precondition of pushdown. */
export function pushdownPossible(config: Pick<RunConfig, 'source' | 'output'>): boolean {
  return config.source.kind !== 'file' && config.output.kind === 'table';
}

/**
 * The engine rule (see runConfig.ts, `engine`). `sourceRows` is the source's count(*), needed only
 * by `auto` when pushdown is possible; the caller counts when {@link needsRowCount} says so.
 */
export function chooseEngine(config: Pick<RunConfig, 'engine' | 'engineThreshold' | 'source' | 'output'>, sourceRows: number | null): EngineChoice {
  const possible = pushdownPossible(config);
  const where = config.source.kind === 'file' ? `the source is the file ${config.source.path}` : config.output.kind === 'dir' ? `the output is the directory ${config.output.dir}` : '';
  if (config.engine === 'worker') return { mode: 'worker', reason: 'engine worker was asked for', sourceRows };
  if (config.engine === 'trino') {
    if (!possible) throw new EngineConfigError(`engine trino (pushdown) needs a Trino source and a Trino output table, but ${where}: use --engine worker (or auto), or load the data into Trino`);
    return { mode: 'trino', reason: 'engine trino was asked for', sourceRows };
  }
  if (!possible) return { mode: 'worker', reason: `auto: ${where}, so the rows go through the worker`, sourceRows };
  if (sourceRows === null) throw new Error('chooseEngine: auto with a Trino source and output needs the source row count');
  const n = sourceRows.toLocaleString('en-US');
  const t = config.engineThreshold.toLocaleString('en-US');
  return sourceRows > config.engineThreshold
    ? { mode: 'trino', reason: `auto: the source has ${n} rows, more than the threshold ${t}, so the rows stay in Trino`, sourceRows }
    : { mode: 'worker', reason: `auto: the source has ${n} rows, not more than the threshold ${t}, so the worker processes them`, sourceRows };
}

/** Whether {@link chooseEngine} needs the source's row count. */
export function needsRowCount(config: Pick<RunConfig, 'engine' | 'source' | 'output'>): boolean {
  return config.engine !== 'worker' && pushdownPossible(config);
}
