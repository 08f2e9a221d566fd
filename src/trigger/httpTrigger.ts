import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { timingSafeEqual, createHash, randomUUID } from 'node:crypto';
import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  ChildWorkflowFailure,
  ServerFailure,
  TerminatedFailure,
  TimeoutFailure,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowHandle,
} from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { FileAccessError, checkOutputDir, fileAccessFromEnv, type FileAccess } from '../config/fileAccess';
import { RunConfigError, configFingerprint, parseRunConfig, workflowIdFor, type RunConfig } from '../config/runConfig';
import { parseConfigDocument } from '../config/originalNames';
import { confineRunPaths, memoFingerprint, workflowStartOptions } from '../config/runStart';
import { redact } from '../shared/redact';
import { segmentationWorkflow } from '../workflows';
import { progressQuery } from '../workflows/progress';

/**
 * The HTTP trigger for a CDP's own workflows:
 *   POST /runs        body: a run config as JSON (the same schema as the CLI and config files, with
 *                     autoseg's or the original implementation's parameter names) -> 202 {runId}
 *   GET  /runs/:runId -> {runId, status, progress?, result?, error?, failure?}
 * Every request needs `Authorization: Bearer <token>`.
 *
 * - A `file` source or a `dir` output names a path on the workers: it is accepted only under the
 *   directories an operator allowed (AUTOSEG_FILE_ROOTS; none by default), checked after resolving
 *   symlinks; anything else is 403 and nothing is started.
 * - A config with a `runKey` starts at most one run for that key: a repeated POST with the same
 *   config returns the existing run (202); the same key with a different config is 409.
 * - A failed run's status carries the root cause (the activity's own error, its type, whether it
 *   was non-retryable), not Temporal's wrapper ("Activity task failed").
 * - Every error message in a response is redacted (src/shared/redact.ts); a 500 says one line.
 */
export interface TriggerOptions {
  client: Client;
  taskQueue: string;
  token: string;
  maxBodyBytes?: number;
  /** Which worker paths a run may read or write; default: from AUTOSEG_FILE_ROOTS (none when unset). */
  fileAccess?: FileAccess;
  /** Where internal errors are logged (redacted); default stderr. */
  log?: (line: string) => void;
}

const MAX_BODY = 1_000_000;

/** Workflow ids this trigger answers for: runs it (or the CLI, or a schedule) started. */
const RUN_ID_PREFIX = 'autoseg-';

/** A request that is answered with `status` and `{error, ...extra}`. */
class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendError(res: ServerResponse, status: number, message: string, extra: Record<string, unknown> = {}): void {
  send(res, status, { error: redact(message), ...extra });
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

function firstLine(text: string, max = 200): string {
  const line = text.split(/\r?\n/, 1)[0] ?? '';
  return line.length > max ? `${line.slice(0, max)}...` : line;
}

export function createTriggerServer(opts: TriggerOptions): Server {
  if (opts.token.length < 16) throw new Error('the trigger token must be at least 16 characters');
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  return createServer((req, res) => {
    handle(req, res, opts).catch((err: unknown) => {
      if (err instanceof HttpError) return sendError(res, err.status, err.message, err.extra);
      const message = err instanceof Error ? err.message : String(err);
      const id = randomUUID();
      log(redact(`autoseg trigger: internal error ${id} on ${req.method ?? '?'} ${req.url ?? '?'}: ${err instanceof Error && err.stack ? err.stack : message}`));
      sendError(res, 500, `internal error (${id}): ${firstLine(message)}`);
    });
  });
}

async function handle(req: IncomingMessage, res: ServerResponse, opts: TriggerOptions): Promise<void> {
  if (!authorized(req, opts.token)) return sendError(res, 401, 'missing or wrong bearer token: send Authorization: Bearer <token>');
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return sendError(res, 400, 'the request path is not a valid URL path');
  }
  if (req.method === 'POST' && url.pathname === '/runs') return startRun(req, res, opts);
  const match = /^\/runs\/([^/]+)$/.exec(url.pathname);
  if (req.method === 'GET' && match) {
    let runId: string;
    try {
      runId = decodeURIComponent(match[1]);
    } catch {
      return sendError(res, 400, 'the run id in the path is not valid %-encoding: encode it with encodeURIComponent');
    }
    return runStatus(res, opts, runId);
  }
  return sendError(res, 404, 'use POST /runs or GET /runs/:runId');
}

/** Refuses (HttpError 403 / 400) a file source or directory output outside the allowed roots. */
async function checkPaths(config: RunConfig, access: FileAccess): Promise<void> {
  try {
    await confineRunPaths(config, access);
  } catch (e) {
    if (e instanceof FileAccessError) throw new HttpError(403, e.message, { path: e.path });
    throw e;
  }
  if (config.output.kind === 'dir') {
    try {
      await checkOutputDir(config.output.dir);
    } catch (e) {
      if (e instanceof FileAccessError) throw new HttpError(400, e.message, { path: config.output.dir });
      throw e;
    }
  }
}

async function startRun(req: IncomingMessage, res: ServerResponse, opts: TriggerOptions): Promise<void> {
  let config: RunConfig;
  try {
    // autoseg's names or the original implementation's, as in a --config file (originalNames.ts).
    config = parseConfigDocument(await readJson(req, opts.maxBodyBytes ?? MAX_BODY));
  } catch (e) {
    if (e instanceof RunConfigError) return sendError(res, 400, e.message, { issues: e.issues.map((i) => redact(i)) });
    throw e;
  }
  await checkPaths(config, opts.fileAccess ?? fileAccessFromEnv());

  const workflowId = workflowIdFor(config, () => `http-${randomUUID()}`);
  const handle = await opts.client.workflow.start(segmentationWorkflow, workflowStartOptions(config, workflowId, opts.taskQueue)).catch((e: unknown) => {
    // REJECT_DUPLICATE: the key's run already finished; answer with that run (after the config check below).
    if (e instanceof Error && e.name === 'WorkflowExecutionAlreadyStartedError') return opts.client.workflow.getHandle(workflowId);
    throw e;
  });
  if (config.runKey) await checkSameConfig(handle, config);
  return send(res, 202, { runId: handle.workflowId, status: `/runs/${encodeURIComponent(handle.workflowId)}` });
}

/**
 * With a runKey, the run now holding the id is either the one just started or an earlier one: it
 * must have been started with the same config, else the caller would silently get a different
 * run than asked for (409). Compared through the fingerprint stored in the memo at start; a run
 * started without one (an older autoseg) is compared through the input in its history.
 */
async function checkSameConfig(handle: WorkflowHandle, config: RunConfig): Promise<void> {
  const d = await handle.describe();
  const wanted = configFingerprint(config);
  const stored = memoFingerprint(d.memo) ?? (await startedFingerprint(handle));
  if (stored === wanted) return;
  throw new HttpError(409, `runKey ${config.runKey} is already used by run ${d.workflowId} (${d.status.name}) with a different config: send the same config to get that run, or use a new runKey`, {
    runKey: config.runKey,
    runId: d.workflowId,
    status: `/runs/${encodeURIComponent(d.workflowId)}`,
  });
}

/** The fingerprint of the config in the run's start event, or undefined when it cannot be read. */
async function startedFingerprint(handle: WorkflowHandle): Promise<string | undefined> {
  try {
    const history = await handle.fetchHistory();
    const payload = history.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads?.[0];
    if (!payload) return undefined;
    return configFingerprint(parseRunConfig(defaultPayloadConverter.fromPayload(payload)));
  } catch {
    return undefined;
  }
}

const CLOSED_UNSUCCESSFULLY = new Set(['FAILED', 'TIMED_OUT', 'CANCELLED', 'CANCELED', 'TERMINATED']);

async function runStatus(res: ServerResponse, opts: TriggerOptions, runId: string): Promise<void> {
  const notFound = () => sendError(res, 404, `no run ${runId}`);
  if (!runId.startsWith(RUN_ID_PREFIX)) return notFound();
  const handle = opts.client.workflow.getHandle(runId);
  let d;
  try {
    d = await handle.describe();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return notFound();
    throw e;
  }
  // Only autoseg's own runs: a token holder may not read other workflows of the namespace.
  if (d.type !== segmentationWorkflow.name) return notFound();
  const status = d.status.name;
  const body: Record<string, unknown> = { runId: d.workflowId, status };
  if (status === 'RUNNING') body.progress = await handle.query(progressQuery).catch(() => null);
  if (status === 'COMPLETED') body.result = await handle.result();
  if (CLOSED_UNSUCCESSFULLY.has(status)) {
    const cause = await handle.result().then(
      () => undefined,
      (e: unknown) => rootCause(e),
    );
    if (cause) {
      body.error = redact(cause.message);
      body.failure = { ...cause, message: redact(cause.message) };
    }
  }
  return send(res, 200, body);
}

export interface RootCause {
  /** The deepest meaningful message, e.g. the activity's "table memory.default.x does not exist". */
  message: string;
  /** The ApplicationFailure type (the error class, e.g. WarehouseInputError), or the Temporal failure kind. */
  type: string;
  /** True when the failure was marked non-retryable (bad input), false when retries ran out. */
  nonRetryable: boolean;
  /** The activity that failed, when an activity did. */
  activity?: string;
  /** Why retrying stopped (NON_RETRYABLE_FAILURE, MAXIMUM_ATTEMPTS_REACHED, TIMEOUT...). */
  retryState?: string;
}

/** Wrappers that only say where a failure happened, never why. */
function isWrapper(e: Error): boolean {
  return e instanceof WorkflowFailedError || e instanceof ActivityFailure || e instanceof ChildWorkflowFailure;
}

/**
 * Walks a workflow failure's cause chain (WorkflowFailedError -> ActivityFailure ->
 * ApplicationFailure -> ...) to the deepest failure that says what went wrong.
 */
export function rootCause(err: unknown): RootCause {
  let activity: string | undefined;
  let retryState: string | undefined;
  let deepest: Error | undefined;
  const seen = new Set<unknown>();
  for (let e: unknown = err; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    if (e instanceof ActivityFailure) {
      activity = e.activityType;
      if (e.retryState) retryState = e.retryState;
    } else if (e instanceof WorkflowFailedError && e.retryState && retryState === undefined) {
      retryState = e.retryState;
    }
    if (!isWrapper(e) || deepest === undefined) deepest = e;
  }
  const root = deepest ?? new Error(String(err));
  let type: string;
  let nonRetryable = false;
  if (root instanceof ApplicationFailure) {
    type = root.type ?? 'Error';
    nonRetryable = root.nonRetryable === true;
  } else if (root instanceof TimeoutFailure) {
    type = `TimeoutFailure${root.timeoutType ? `:${root.timeoutType}` : ''}`;
  } else if (root instanceof ServerFailure) {
    type = 'ServerFailure';
    nonRetryable = root.nonRetryable;
  } else if (root instanceof CancelledFailure) {
    type = 'CancelledFailure';
  } else if (root instanceof TerminatedFailure) {
    type = 'TerminatedFailure';
  } else {
    type = root.name || 'Error';
  }
  const message = root.message || (root instanceof TimeoutFailure ? 'timed out' : type);
  return { message, type, nonRetryable, ...(activity ? { activity } : {}), ...(retryState ? { retryState } : {}) };
}
