import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RunConfigError } from '../config/runConfig';

export const EXIT_OK = 0;
export const EXIT_RUN_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

/** ApplicationFailure types that mean "the input is wrong" (set by the activities, see activities/runtime.ts). */
export const INPUT_FAILURE_TYPES = new Set(['SegmentationInputError', 'WarehouseInputError', 'FileAccessError', 'PreviousOutputError', 'RunConfigError']);

/** The exit code and a one-line message for an error thrown by a command. */
export function classifyError(err: unknown): { code: number; message: string } {
  if (err instanceof RunConfigError || (err instanceof Error && (err.name === 'CliUsageError' || INPUT_FAILURE_TYPES.has(err.name)))) return { code: EXIT_BAD_INPUT, message: err.message };
  if (err instanceof WorkflowFailedError) {
    let cause: unknown = err.cause;
    while (cause instanceof Error) {
      if (cause instanceof ApplicationFailure && cause.type && INPUT_FAILURE_TYPES.has(cause.type)) return { code: EXIT_BAD_INPUT, message: cause.message };
      if (!(cause instanceof Error) || !('cause' in cause) || cause.cause === undefined) break;
      cause = cause.cause;
    }
    // The deepest cause is the one that says what went wrong (a timeout's cause is the last attempt's failure).
    const root = cause instanceof Error ? cause.message : err.message;
    return { code: EXIT_RUN_FAILED, message: `run failed: ${root}` };
  }
  return { code: EXIT_RUN_FAILED, message: err instanceof Error ? err.message : String(err) };
}

/** A wrong flag or argument, reported with exit code 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError';
}
