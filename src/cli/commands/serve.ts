import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fileAccessFromEnv } from '../../config/fileAccess';
import { createTriggerServer } from '../../trigger/httpTrigger';
import { CliUsageError } from '../exitCodes';
import { withTemporal } from '../temporalSession';

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('An HTTP trigger for CDP workflows: POST /runs (a run config), GET /runs/:runId. Needs a bearer token; file paths only under AUTOSEG_FILE_ROOTS.')
    .option('--port <port>', 'port to listen on', '8787')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--token-file <file>', 'file holding the bearer token (else AUTOSEG_TRIGGER_TOKEN)')
    .action(async (o: { port: string; host: string; tokenFile?: string }) => {
      const token = (o.tokenFile ? readFileSync(o.tokenFile, 'utf8') : (process.env.AUTOSEG_TRIGGER_TOKEN ?? '')).trim();
      if (token.length < 16) throw new CliUsageError('set a bearer token of at least 16 characters: AUTOSEG_TRIGGER_TOKEN or --token-file');
      await withTemporal(async ({ client, taskQueue }) => {
        const fileAccess = fileAccessFromEnv();
        const server = createTriggerServer({ client, taskQueue, token, fileAccess });
        await new Promise<void>((resolve) => server.listen(Number(o.port), o.host, resolve));
        process.stderr.write(`autoseg: trigger listening on http://${o.host}:${o.port}\n`);
        process.stderr.write(
          fileAccess.kind === 'roots' && fileAccess.roots.length > 0
            ? `autoseg: file sources and directory outputs allowed under ${fileAccess.roots.join(', ')} (AUTOSEG_FILE_ROOTS)\n`
            : 'autoseg: file sources and directory outputs refused (set AUTOSEG_FILE_ROOTS to allow directories)\n',
        );
        await new Promise<void>((resolve) => {
          for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => server.close(() => resolve()));
        });
      });
    });
}
