import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash, randomUUID } from 'node:crypto';
import { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { RunConfigError, parseRunConfig, workflowIdFor } from '../config/runConfig';
import { segmentationWorkflow } from '../workflows';
import { progressQuery } from '../workflows/progress';

/**
 * The HTTP trigger for a CDP's own workflows:
 *   POST /runs        body: a run config (the same schema as the CLI and config files) -> 202 {runId}
 *   GET  /runs/:runId -> {runId, status, progress, result?}
 * Every request needs `Authorization: Bearer <token>`. A config with a `runKey` starts at most
 * one run for that key: a repeated POST returns the existing run.
 */
export interface TriggerOptions {
  client: Client;
  taskQueue: string;
  token: string;
  maxBodyBytes?: number;
}

const MAX_BODY = 1_000_000;

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization ?? '';
  const given = header.startsWith('Bearer ') ? header.slice(7) : '';
  // Compare digests so that neither the length nor the content leaks through timing.
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(token).digest();
  return given.length > 0 && timingSafeEqual(a, b);
}

async function readJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new RunConfigError([`request body is larger than ${limit} bytes`]);
    chunks.push(chunk as Buffer);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch (e) {
    throw new RunConfigError([`request body is not JSON: ${(e as Error).message}`]);
  }
}

export function createTriggerServer(opts: TriggerOptions): Server {
  if (opts.token.length < 16) throw new Error('the trigger token must be at least 16 characters');
  return createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => send(res, 500, { error: err instanceof Error ? err.message : String(err) }));
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: TriggerOptions): Promise<void> {
  if (!authorized(req, opts.token)) return send(res, 401, { error: 'missing or wrong bearer token: send Authorization: Bearer <token>' });
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (req.method === 'POST' && url.pathname === '/runs') {
    let config;
    try {
      config = parseRunConfig(await readJson(req, opts.maxBodyBytes ?? MAX_BODY));
    } catch (e) {
      if (e instanceof RunConfigError) return send(res, 400, { error: e.message, issues: e.issues });
      throw e;
    }
    const workflowId = workflowIdFor(config, () => `http-${randomUUID()}`);
    const handle = await opts.client.workflow.start(segmentationWorkflow, {
      taskQueue: opts.taskQueue,
      workflowId,
      args: [config],
      workflowIdReusePolicy: config.runKey ? WorkflowIdReusePolicy.REJECT_DUPLICATE : WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING,
    }).catch(async (e: unknown) => {
      // REJECT_DUPLICATE: the key's run already finished; answer with that run.
      if (e instanceof Error && e.name === 'WorkflowExecutionAlreadyStartedError') return opts.client.workflow.getHandle(workflowId);
      throw e;
    });
    return send(res, 202, { runId: handle.workflowId, status: `/runs/${encodeURIComponent(handle.workflowId)}` });
  }
  const match = /^\/runs\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && match) {
    const handle = opts.client.workflow.getHandle(decodeURIComponent(match[1]));
    try {
      const d = await handle.describe();
      const body: Record<string, unknown> = { runId: d.workflowId, status: d.status.name };
      if (d.status.name === 'RUNNING') body.progress = await handle.query(progressQuery).catch(() => null);
      if (d.status.name === 'COMPLETED') body.result = await handle.result();
      if (d.status.name === 'FAILED') body.error = await handle.result().then(() => null, (e: Error) => (e.cause instanceof Error ? e.cause.message : e.message));
      return send(res, 200, body);
    } catch (e) {
      if (e instanceof WorkflowNotFoundError) return send(res, 404, { error: `no run ${match[1]}` });
      throw e;
    }
  }
  return send(res, 404, { error: 'use POST /runs or GET /runs/:runId' });
}
