import { ScheduleOverlapPolicy, type Client, type ScheduleDescription, type ScheduleSpec } from '@temporalio/client';
import { fileAccessFromEnv, type FileAccess } from '../config/fileAccess';
import { configFingerprint, type RunConfig } from '../config/runConfig';
import { CONFIG_FINGERPRINT_MEMO, confineRunPaths } from '../config/runStart';
import { segmentationWorkflow } from '../workflows';

export const OVERLAP_POLICIES = ['SKIP', 'BUFFER_ONE', 'BUFFER_ALL', 'CANCEL_OTHER', 'TERMINATE_OTHER', 'ALLOW_ALL'] as const;
export type OverlapPolicy = (typeof OVERLAP_POLICIES)[number];

export interface ScheduleRequest {
  scheduleId: string;
  /** A cron expression (`0 2 * * *`) or an interval (`24h`, `90m`); exactly one. */
  cron?: string;
  every?: string;
  /** IANA time zone of the cron, e.g. `Asia/Tokyo`; default UTC. */
  timezone?: string;
  /** What to do when a run is still going at the next trigger; default SKIP (never two at once). */
  overlap?: OverlapPolicy;
  /** How far back missed runs are caught up after an outage; default 1 hour. */
  catchupWindow?: string;
  paused?: boolean;
  config: RunConfig;
  taskQueue: string;
  /** Which worker paths the scheduled runs may read or write; default: AUTOSEG_FILE_ROOTS (none when unset). */
  fileAccess?: FileAccess;
}

/**
 * Scheduled runs execute unattended on shared workers: a `file` source or a `dir` output is
 * accepted only under the directories an operator allowed (AUTOSEG_FILE_ROOTS), after resolving
 * symlinks. Throws FileAccessError naming the path and what to do.
 */
export async function checkScheduleFiles(config: RunConfig, access: FileAccess = fileAccessFromEnv()): Promise<void> {
  await confineRunPaths(config, access);
}

/**
 * Creates a Temporal Schedule that starts the segmentation workflow with `config`. Each
 * scheduled run gets the workflow id `autoseg-<scheduleId>-<time>` (Temporal appends the time).
 */
export async function createSchedule(client: Client, req: ScheduleRequest): Promise<void> {
  if ((req.cron === undefined) === (req.every === undefined)) throw new Error('give exactly one of a cron expression or an interval');
  if (req.config.runKey) throw new Error('a scheduled run cannot have a runKey: every scheduled run is a new run');
  await checkScheduleFiles(req.config, req.fileAccess);
  const spec: ScheduleSpec = req.cron !== undefined ? { cronExpressions: [req.cron], timezone: req.timezone } : { intervals: [{ every: req.every as `${number}${'s' | 'm' | 'h' | 'd'}` }] };
  await client.schedule.create({
    scheduleId: req.scheduleId,
    spec,
    action: {
      type: 'startWorkflow',
      workflowType: segmentationWorkflow,
      workflowId: `autoseg-${req.scheduleId}`,
      taskQueue: req.taskQueue,
      args: [req.config],
      memo: { [CONFIG_FINGERPRINT_MEMO]: configFingerprint(req.config) },
    },
    policies: { overlap: ScheduleOverlapPolicy[req.overlap ?? 'SKIP'], catchupWindow: req.catchupWindow ?? '1 hour' },
    state: { paused: req.paused ?? false, note: 'created by autoseg' },
  });
}

/** The fields of a schedule worth printing. */
export function summarizeSchedule(d: ScheduleDescription): Record<string, unknown> {
  return {
    scheduleId: d.scheduleId,
    paused: d.state.paused,
    note: d.state.note ?? null,
    spec: { calendars: d.spec.calendars ?? [], intervals: d.spec.intervals ?? [], timezone: d.spec.timezone ?? 'UTC' },
    overlap: d.policies.overlap,
    catchupWindowMs: d.policies.catchupWindow,
    runningWorkflows: d.info.runningActions.map((a) => a.workflow.workflowId),
    recentActions: d.info.recentActions.map((a) => ({ scheduledAt: a.scheduledAt, workflowId: a.action.workflow.workflowId })),
    nextActionTimes: d.info.nextActionTimes.slice(0, 3),
    skippedOverlaps: d.info.numActionsSkippedOverlap,
    actionsTaken: d.info.numActionsTaken,
  };
}
