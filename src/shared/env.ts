import { DEFAULT_NAMESPACE } from './constants';

/** Where the Temporal server is: TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE, or none (embedded default). */
export function temporalFromEnv(env = process.env): { address?: string; namespace: string } {
  return { address: env.TEMPORAL_ADDRESS || undefined, namespace: env.TEMPORAL_NAMESPACE || DEFAULT_NAMESPACE };
}
