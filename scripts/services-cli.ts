/**
 * `npm run services:up`: starts real Temporal and real Trino (as `npm test` does), prints the
 * environment that points the CLI and single test files at them, and keeps them up until Ctrl-C.
 *
 *   eval "$(npm run -s services:up | grep ^export)"   # in another shell, once it is ready
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServices, stopServices, timed } from './services/both';

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autoseg-services-'));
  console.log(`[services] logs and data under ${work}`);
  const services = await startServices(work);
  for (const [k, v] of Object.entries(services.env)) console.log(`export ${k}=${v}`);
  console.log('[services] up; Ctrl-C stops both');
  // Signal handlers and the servers' handles are unref'd: the timer keeps this process (and so the servers) up.
  const keepAlive = setInterval(() => undefined, 60_000);
  await new Promise<void>((resolve) => {
    for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => resolve());
  });
  clearInterval(keepAlive);
  await timed('services stopped', () => stopServices(services));
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[services] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
