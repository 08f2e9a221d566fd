import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { ANY_FILE } from '../config/fileAccess';
import { redactingLogger } from '../shared/logging';
import { startTemporalDevServer } from '../embedded/temporal';
import { TASK_QUEUE } from '../shared/constants';
import { temporalFromEnv } from '../shared/env';
import { createWorker } from '../worker';
import { workflowBundle } from '../embedded/workflowBundle';
import { externalUiUrl } from './temporalUi';

export interface TemporalSession {
  client: Client;
  taskQueue: string;
  namespace: string;
  /** True when autoseg started its own dev server and worker for this command. */
  embedded: boolean;
  /** The Temporal Web UI's base URL, when known (the embedded server's, AUTOSEG_TEMPORAL_UI_URL, Temporal Cloud's). */
  uiUrl?: string;
}

/**
 * Runs `body` against Temporal: the cluster configured by the environment or a temporal.toml
 * profile (src/shared/env.ts: address, namespace, TLS, API key; a worker must serve the task
 * queue there), or, when no address is configured, the embedded default: a dev server (with its
 * Web UI on a free port, printed on stderr) started for this command and an in-process worker,
 * both stopped when `body` settles.
 */
export async function withTemporal<T>(body: (session: TemporalSession) => Promise<T>, opts: { embeddedWorker?: boolean } = {}): Promise<T> {
  const target = temporalFromEnv();
  const namespace = target.namespace;
  if (target.address) {
    const uiUrl = externalUiUrl(target.address);
    const connection = await Connection.connect(target.client);
    try {
      const taskQueue = process.env.AUTOSEG_TASK_QUEUE || TASK_QUEUE;
      return await body({ client: new Client({ connection, namespace }), taskQueue, namespace, embedded: false, ...(uiUrl ? { uiUrl } : {}) });
    } finally {
      await connection.close();
    }
  }
  // The SDK logs every failed attempt with its stack: useful to debug (--verbose), noise for a
  // user who gets the one-line cause from the CLI anyway. The SDK core's own log (e.g. a slow
  // workflow task warning, in colour) goes through the same logger, not straight into the progress lines.
  const level = process.env.AUTOSEG_VERBOSE ? 'INFO' : 'ERROR';
  Runtime.install({ logger: redactingLogger(level), telemetryOptions: { logging: { forward: {}, filter: { core: level, other: level } } } });
  // The workflow bundle (cached, else two seconds of webpack) while the dev server starts.
  const bundle = opts.embeddedWorker === false ? undefined : workflowBundle();
  bundle?.catch(() => undefined); // awaited below; an early failure must not be an unhandled rejection
  const server = await startTemporalDevServer({ namespace, ui: true });
  process.stderr.write(`autoseg: embedded Temporal dev server on ${server.address}, Web UI at ${server.uiUrl ?? '(none)'} (both stop when this command ends)\n`);
  try {
    const connection = await Connection.connect({ address: server.address });
    const nativeConnection = await NativeConnection.connect({ address: server.address });
    try {
      const client = new Client({ connection, namespace });
      const session: TemporalSession = { client, taskQueue: TASK_QUEUE, namespace, embedded: true, ...(server.uiUrl ? { uiUrl: server.uiUrl } : {}) };
      if (opts.embeddedWorker === false) return await body(session);
      // This worker serves only the user who typed the command: their own paths are theirs to use.
      const worker = await createWorker(nativeConnection, { namespace, taskQueue: TASK_QUEUE, fileAccess: ANY_FILE, workflowBundle: await bundle });
      return await worker.runUntil(body(session));
    } finally {
      await nativeConnection.close();
      await connection.close();
    }
  } finally {
    await server.stop();
  }
}
