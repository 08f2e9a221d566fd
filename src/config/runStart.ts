/**
 * How a run is started, in one place for the HTTP trigger and the CLI: the workflow id policies
 * that make a `runKey` start at most one run, and the memo that records which config the run was
 * started with (so that a second request with the same key and a different config is refused
 * instead of silently answered with the old run).
 */
import { randomUUID } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client, WorkflowHandleWithFirstExecutionRunId, WorkflowStartOptions } from '@temporalio/client';
import { TASK_QUEUE } from '../shared/constants';
import { segmentationWorkflow } from '../workflows/segmentation';
import { FileAccessError, confinePath, type FileAccess } from './fileAccess';
import { configFingerprint, parseRunConfig, workflowIdFor, type RunConfig, type RunConfigInput } from './runConfig';

/** The memo key holding `configFingerprint(config)` of the config a run was started with. */
export const CONFIG_FINGERPRINT_MEMO = 'configFingerprint';

export type RunStartOptions = WorkflowStartOptions<typeof segmentationWorkflow> & {
  readonly taskQueue: string;
  readonly workflowId: string;
  readonly args: [RunConfig];
  readonly memo: { readonly [CONFIG_FINGERPRINT_MEMO]: string };
};

/**
 * The options for `client.workflow.start(segmentationWorkflow, ...)`: with a runKey, a running
 * run with the same id is returned (USE_EXISTING) and a finished one is not started again
 * (REJECT_DUPLICATE); without one, every start is a new run.
 */
export function workflowStartOptions(config: RunConfig, workflowId: string, taskQueue: string): RunStartOptions {
  return {
    taskQueue,
    workflowId,
    args: [config],
    memo: { [CONFIG_FINGERPRINT_MEMO]: configFingerprint(config) },
    workflowIdReusePolicy: config.runKey ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
  };
}

/** The fingerprint a run's memo holds, or undefined for a run started without one. */
export function memoFingerprint(memo: Record<string, unknown> | undefined): string | undefined {
  const v = memo?.[CONFIG_FINGERPRINT_MEMO];
  return typeof v === 'string' ? v : undefined;
}

/**
 * Checks a run's worker paths before it is started on behalf of someone else (the HTTP trigger,
 * a schedule): a `file` source and a `dir` output must lie under the allowed roots after
 * resolving symlinks. Throws FileAccessError naming the path and what to do; a path that cannot
 * be resolved at all (permission denied, a symlink loop) is refused the same way.
 */
export async function confineRunPaths(config: RunConfig, access: FileAccess): Promise<void> {
  const confine = async (path: string, what: string): Promise<void> => {
    try {
      await confinePath(path, access, what);
    } catch (e) {
      if (e instanceof FileAccessError) throw e;
      throw new FileAccessError('FILE_NOT_ALLOWED', `${what} ${path} refused: it cannot be resolved here (${(e as NodeJS.ErrnoException).code ?? 'error'})`, path);
    }
  };
  if (config.source.kind === 'file') await confine(config.source.path, 'source file');
  if (config.output.kind === 'dir') await confine(config.output.dir, 'output directory');
}

/** A fresh run id: the start time and a random suffix (sortable, unique). */
export function freshRunId(): string {
  return `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}`;
}

/**
 * Starts a segmentation run from your own code (a service, a script; a workflow uses
 * `executeChild(segmentationWorkflow, ...)` from `autoseg/workflows` instead). The input is
 * parsed here (RunConfigError names each bad field) and again by the workflow; with a `runKey`
 * the same key starts at most one run. Returns the handle: `await handle.result()` is the
 * RunSummary. `taskQueue` defaults to the workers' default queue, `autoseg`.
 */
export async function startSegmentation(client: Client, input: RunConfigInput, options: { taskQueue?: string } = {}): Promise<WorkflowHandleWithFirstExecutionRunId<typeof segmentationWorkflow>> {
  const config = parseRunConfig(input);
  const workflowId = workflowIdFor(config, freshRunId);
  return client.workflow.start(segmentationWorkflow, workflowStartOptions(config, workflowId, options.taskQueue ?? TASK_QUEUE));
}
