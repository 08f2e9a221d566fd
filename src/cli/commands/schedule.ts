import type { Command } from 'commander';
import { FileAccessError, fileAccessFromEnv } from '../../config/fileAccess';
import { OVERLAP_POLICIES, checkScheduleFiles, createSchedule, summarizeSchedule, type OverlapPolicy } from '../../schedules/schedules';
import { temporalFromEnv } from '../../shared/env';
import { CliUsageError } from '../exitCodes';
import { addRunOptions, runConfigFromFlags, type RunFlags } from '../runOptions';
import { withTemporal, type TemporalSession } from '../temporalSession';

function onCluster<T>(body: (s: TemporalSession) => Promise<T>): Promise<T> {
  if (!temporalFromEnv().address) throw new CliUsageError('schedules live on a Temporal cluster: set TEMPORAL_ADDRESS (and run `autoseg worker` there)');
  return withTemporal(body);
}

const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);

export function registerSchedule(program: Command): void {
  const schedule = program.command('schedule').description('Nightly runs as Temporal Schedules on the cluster at TEMPORAL_ADDRESS.');

  addRunOptions(schedule.command('create').argument('<scheduleId>').description('Create a schedule that runs a segmentation (cron or interval).'))
    .option('--cron <expr>', 'cron expression, e.g. "0 2 * * *"')
    .option('--every <interval>', 'interval, e.g. 24h')
    .option('--timezone <tz>', 'IANA time zone of the cron (default UTC)')
    .option('--overlap <policy>', `when a run is still going: ${OVERLAP_POLICIES.join(' | ')}`, 'SKIP')
    .option('--catchup-window <duration>', 'how far back missed runs are caught up', '1 hour')
    .option('--paused', 'create it paused')
    .action(async (scheduleId: string, flags: RunFlags & { cron?: string; every?: string; timezone?: string; overlap: string; catchupWindow: string; paused?: boolean }) => {
      const overlap = flags.overlap.toUpperCase();
      if (!(OVERLAP_POLICIES as readonly string[]).includes(overlap)) throw new CliUsageError(`--overlap must be one of ${OVERLAP_POLICIES.join(', ')}, got ${flags.overlap}`);
      if ((flags.cron === undefined) === (flags.every === undefined)) throw new CliUsageError('give exactly one of --cron or --every');
      const config = runConfigFromFlags(flags);
      // Scheduled runs execute unattended on shared workers: file paths only under AUTOSEG_FILE_ROOTS.
      const fileAccess = fileAccessFromEnv();
      try {
        await checkScheduleFiles(config, fileAccess);
      } catch (e) {
        if (e instanceof FileAccessError) throw new CliUsageError(e.message);
        throw e;
      }
      await onCluster(({ client, taskQueue }) =>
        createSchedule(client, {
          scheduleId,
          cron: flags.cron,
          every: flags.every,
          timezone: flags.timezone,
          overlap: overlap as OverlapPolicy,
          catchupWindow: flags.catchupWindow,
          paused: flags.paused,
          config,
          taskQueue,
          fileAccess,
        }),
      );
      print({ created: scheduleId });
    });

  schedule
    .command('list')
    .description('List schedules.')
    .action(() =>
      onCluster(async ({ client }) => {
        const out: unknown[] = [];
        for await (const s of client.schedule.list()) out.push({ scheduleId: s.scheduleId, paused: s.state.paused, next: s.info.nextActionTimes[0] ?? null });
        print(out);
      }),
    );
  schedule
    .command('describe')
    .argument('<scheduleId>')
    .description('Show a schedule: spec, policy, running and recent runs.')
    .action((id: string) =>
      onCluster(async ({ client }) => {
        print(summarizeSchedule(await client.schedule.getHandle(id).describe()));
      }),
    );
  schedule
    .command('pause')
    .argument('<scheduleId>')
    .option('--note <text>', 'why')
    .description('Pause a schedule.')
    .action((id: string, o: { note?: string }) =>
      onCluster(async ({ client }) => {
        await client.schedule.getHandle(id).pause(o.note);
        print({ paused: id });
      }),
    );
  schedule
    .command('unpause')
    .argument('<scheduleId>')
    .option('--note <text>', 'why')
    .description('Resume a paused schedule.')
    .action((id: string, o: { note?: string }) =>
      onCluster(async ({ client }) => {
        await client.schedule.getHandle(id).unpause(o.note);
        print({ unpaused: id });
      }),
    );
  schedule
    .command('trigger')
    .argument('<scheduleId>')
    .description("Start a run now, under the schedule's overlap policy (SKIP: not while a run is going).")
    .action((id: string) =>
      onCluster(async ({ client }) => {
        const handle = client.schedule.getHandle(id);
        // The SDK's trigger defaults to ALLOW_ALL; a manual trigger must not start a second concurrent run.
        const { policies } = await handle.describe();
        await handle.trigger(policies.overlap);
        print({ triggered: id, overlap: policies.overlap });
      }),
    );
  schedule
    .command('delete')
    .argument('<scheduleId>')
    .description('Delete a schedule (runs already started go on).')
    .action((id: string) =>
      onCluster(async ({ client }) => {
        await client.schedule.getHandle(id).delete();
        print({ deleted: id });
      }),
    );
}
