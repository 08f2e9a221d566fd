#!/usr/bin/env node
/**
 * The `autoseg` command. Exit codes: 0 success, 1 the run failed, 2 bad input
 * (flags, config file, source table or columns, engine options).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { classifyError } from './exitCodes';
import { redact } from '../shared/redact';
import { registerRun } from './commands/run';
import { registerDemo } from './commands/demo';
import { registerWorker } from './commands/worker';
import { registerStatus } from './commands/status';
import { registerSchedule } from './commands/schedule';
import { registerServe } from './commands/serve';
import { registerReport } from './commands/report';
import { registerAssign } from './commands/assign';
import { registerSql } from './commands/sql';

/** This package's version (package.json sits two levels up from src/cli and from dist/cli alike). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('autoseg')
    .description('Durable customer segmentation: Trino or DuckDB in, segments out, orchestrated by Temporal.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .option('--verbose', 'show the worker and SDK log (every retried failure with its stack) and full error details')
    .option('--address <host:port>', 'Temporal frontend (overrides TEMPORAL_ADDRESS and the profile)')
    .option('--namespace <namespace>', 'Temporal namespace (overrides TEMPORAL_NAMESPACE and the profile)')
    .option('--profile <name>', 'temporal.toml profile (TEMPORAL_PROFILE; file: TEMPORAL_CONFIG_FILE or ~/.config/temporalio/temporal.toml)')
    .showHelpAfterError()
    .exitOverride()
    .hook('preAction', (cmd) => {
      const o = cmd.opts<{ verbose?: boolean; address?: string; namespace?: string; profile?: string }>();
      if (o.verbose) process.env.AUTOSEG_VERBOSE = '1';
      // As the Temporal CLI: flags over environment over the config file's profile (src/shared/env.ts).
      if (o.address) process.env.TEMPORAL_ADDRESS = o.address;
      if (o.namespace) process.env.TEMPORAL_NAMESPACE = o.namespace;
      if (o.profile) process.env.TEMPORAL_PROFILE = o.profile;
    });
  registerRun(program);
  registerDemo(program);
  registerWorker(program);
  registerStatus(program);
  registerSchedule(program);
  registerServe(program);
  registerReport(program);
  registerAssign(program);
  registerSql(program);
  return program;
}

export async function main(argv = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    const e = err as { code?: string; exitCode?: number };
    if (typeof e.code === 'string' && e.code.startsWith('commander.')) {
      return e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : 2;
    }
    const { code, message } = classifyError(err);
    if (process.env.AUTOSEG_VERBOSE) process.stderr.write(`${redact(err instanceof Error ? (err.stack ?? err.message) : String(err))}\n`);
    process.stderr.write(`autoseg: ${redact(message)}\n`);
    return code;
  }
}

if (require.main === module) {
  void main().then((code) => process.exit(code));
}
