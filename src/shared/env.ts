import { loadClientConfigProfile, toClientOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';
import type { ConnectionOptions } from '@temporalio/client';
import { DEFAULT_NAMESPACE } from './constants';

/** Where the Temporal cluster is and how to reach it; no address means the embedded default. */
export interface TemporalTarget {
  readonly address?: string;
  readonly namespace: string;
  /** For NativeConnection.connect (workers): address, TLS (CA, client cert, server name), API key, gRPC metadata. */
  readonly native: NativeConnectionOptions;
  /** The same for Connection.connect (clients). */
  readonly client: ConnectionOptions;
}

/**
 * The Temporal connection, as every Temporal tool reads it (@temporalio/envconfig): the profile
 * TEMPORAL_PROFILE (default "default") of the config file TEMPORAL_CONFIG_FILE (default
 * ~/.config/temporalio/temporal.toml, optional), overridden by TEMPORAL_ADDRESS,
 * TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS, TEMPORAL_TLS_SERVER_CA_CERT_PATH,
 * TEMPORAL_TLS_SERVER_NAME, TEMPORAL_TLS_CLIENT_CERT_PATH / _KEY_PATH and
 * TEMPORAL_GRPC_META_*. The CLI's --address / --namespace / --profile set those variables.
 */
export function temporalFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalTarget {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const profile = loadClientConfigProfile({ profile: vars.TEMPORAL_PROFILE, overrideEnvVars: vars });
  const { connectionOptions, namespace } = toClientOptions(profile);
  const { tls, ...rest } = connectionOptions;
  return {
    address: profile.address || undefined,
    namespace: namespace || DEFAULT_NAMESPACE,
    native: connectionOptions,
    client: { ...rest, ...(tls === null || tls === undefined ? {} : { tls }) },
  };
}
