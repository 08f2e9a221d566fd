import { createHash } from 'node:crypto';
import type { RunConfig } from './runConfigSchema';

export * from './runConfigSchema';

/** The workflow id of a run: derived from the caller's key when given, else fresh. */
export function workflowIdFor(config: Pick<RunConfig, 'runKey'>, fresh: () => string): string {
  return config.runKey ? `autoseg-${config.runKey}` : `autoseg-${fresh()}`;
}

/**
 * A stable fingerprint of a parsed config (keys sorted, defaults filled): two requests with the
 * same runKey must carry the same config, and this is what is compared.
 */
export function configFingerprint(config: RunConfig): string {
  const canonical = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(canonical);
    if (v && typeof v === 'object')
      return Object.fromEntries(
        Object.keys(v)
          .sort()
          .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
      );
    return v;
  };
  return createHash('sha256')
    .update(JSON.stringify(canonical(config)))
    .digest('hex')
    .slice(0, 32);
}
