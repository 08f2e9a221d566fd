/**
 * One Trino connection through `trino-client`: configuration (object first, then TRINO_* env),
 * statement execution with pages streamed to a callback, and the mapping of Trino's failures onto
 * WarehouseInputError (the request is wrong) or WarehouseUnavailableError (retry later).
 */
import { readFileSync } from 'node:fs';
import { BasicAuth, Trino, type Columns, type QueryError, type QueryResult, type SecureContextOptions } from 'trino-client';
import { displayUrl, redact } from '../shared/redact';
import { WarehouseInputError, WarehouseUnavailableError, type WarehouseInputCode } from './errors';

export interface TrinoConfig {
  /**
   * e.g. `http://127.0.0.1:8080`; env TRINO_URL. Credentials in it (`https://user:secret@host`) are
   * taken out of the URL and used as user and password; the URL is only ever shown without them.
   */
  readonly server?: string;
  /** env TRINO_USER, default `autoseg`. */
  readonly user?: string;
  /** Default catalog for one- and two-part table names; env TRINO_CATALOG. */
  readonly catalog?: string;
  /** Default schema for one-part table names; env TRINO_SCHEMA. */
  readonly schema?: string;
  /** Sent as HTTP basic auth, over https only (Trino refuses passwords over http); env TRINO_PASSWORD. */
  readonly password?: string;
  /** TLS options for https servers (CA, rejectUnauthorized). */
  readonly ssl?: SecureContextOptions;
  /** Upper bound of one statement's text; Trino's default query.max-length is 1,000,000. */
  readonly maxStatementChars?: number;
  /**
   * How the write-back swaps the staging table in: `replace` (CREATE OR REPLACE TABLE AS, atomic
   * where the connector supports it), `rename` (rename swap), or `auto` (replace, falling back to
   * rename on connectors that report NOT_SUPPORTED, e.g. the memory connector).
   */
  readonly replaceStrategy?: 'auto' | 'replace' | 'rename';
  /**
   * Concurrent queries a scan with a user id splits into (disjoint hash ranges of the id); env
   * TRINO_SCAN_STREAMS, default 1. See TrinoWarehouse.scan for when more than one pays.
   */
  readonly scanStreams?: number;
  /** INSERTs into a staging table run at once (after the CREATE TABLE AS of the first batch); default 2. */
  readonly insertStreams?: number;
}

export interface ResolvedTrinoConfig {
  /** Never holds credentials: they are split out into user and password. */
  readonly server: string;
  readonly user: string;
  readonly catalog?: string;
  readonly schema?: string;
  readonly password?: string;
  readonly ssl?: SecureContextOptions;
  readonly maxStatementChars: number;
  readonly replaceStrategy: 'auto' | 'replace' | 'rename';
  readonly scanStreams: number;
  readonly insertStreams: number;
}

/**
 * TLS for an https TRINO_URL from the environment: TRINO_CA_CERT_PATH, a PEM file of the CA
 * certificates to trust (a cluster with a private CA), and TRINO_TLS_INSECURE=true, which skips
 * certificate verification (tests only: anyone on the path could read the password).
 */
function trinoTlsFromEnv(env: NodeJS.ProcessEnv): SecureContextOptions | undefined {
  const caPath = env.TRINO_CA_CERT_PATH || undefined;
  const insecure = /^(1|true|yes)$/i.test(env.TRINO_TLS_INSECURE ?? '');
  if (caPath === undefined && !insecure) return undefined;
  let ca: Buffer | undefined;
  if (caPath !== undefined) {
    try {
      ca = readFileSync(caPath);
    } catch (e) {
      throw new WarehouseInputError(
        'PERMISSION_DENIED',
        `TRINO_CA_CERT_PATH ${caPath} cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'}): point it at the PEM file of the CA that signed Trino's certificate`,
      );
    }
  }
  // https.Agent takes tls.connect's options; trino-client types them as a secure context.
  return { ...(ca ? { ca } : {}), ...(insecure ? { rejectUnauthorized: false } : {}) } as SecureContextOptions;
}

export function resolveTrinoConfig(config: TrinoConfig = {}, env: NodeJS.ProcessEnv = process.env): ResolvedTrinoConfig {
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  const url = splitCredentials(nonEmpty(config.server) ?? nonEmpty(env.TRINO_URL) ?? 'http://localhost:8080');
  return {
    server: url.server,
    // Explicit settings first, then the URL's own credentials, then the environment.
    user: nonEmpty(config.user) ?? url.user ?? nonEmpty(env.TRINO_USER) ?? 'autoseg',
    catalog: nonEmpty(config.catalog) ?? nonEmpty(env.TRINO_CATALOG),
    schema: nonEmpty(config.schema) ?? nonEmpty(env.TRINO_SCHEMA),
    password: nonEmpty(config.password) ?? url.password ?? nonEmpty(env.TRINO_PASSWORD),
    ssl: config.ssl ?? trinoTlsFromEnv(env),
    maxStatementChars: config.maxStatementChars ?? 900_000,
    replaceStrategy: config.replaceStrategy ?? 'auto',
    scanStreams: scanStreams(config.scanStreams ?? nonEmpty(env.TRINO_SCAN_STREAMS)),
    insertStreams: Math.max(1, Math.floor(config.insertStreams ?? 2)),
  };
}

/** 1..16 concurrent scan queries; anything else is a configuration error, not a reason to guess. */
function scanStreams(value: number | string | undefined): number {
  if (value === undefined) return 1;
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new WarehouseInputError('INVALID_VALUE', `TRINO_SCAN_STREAMS must be a whole number from 1 to 16, not ${String(value)}`);
  return n;
}

/** `scheme://user:password@host:port` -> the URL without credentials, and the credentials. */
function splitCredentials(raw: string): { server: string; user?: string; password?: string } {
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    return { server: raw };
  }
  if (!u.username && !u.password) return { server: raw };
  const user = u.username ? decodeURIComponent(u.username) : undefined;
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  return { server: displayUrl(raw), user, password };
}

/** The error a cancelled statement rejects with: the signal's own reason, or an AbortError. */
export function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason;
  if (reason instanceof Error) return reason;
  const e = new Error(reason === undefined ? 'the operation was aborted' : `the operation was aborted: ${String(reason)}`);
  e.name = 'AbortError';
  return e;
}

export function isAbortError(err: unknown, signal?: AbortSignal): boolean {
  return (err instanceof Error && err.name === 'AbortError') || (signal?.aborted === true && err === signal.reason);
}

export type PageHandler = (columns: Columns, rows: unknown[][]) => void | Promise<void>;

export interface StatementResult {
  readonly columns: Columns;
  /** Empty when a page handler consumed the rows. */
  readonly rows: unknown[][];
}

const USER_ERROR_CODES: Record<string, WarehouseInputCode> = {
  TABLE_NOT_FOUND: 'TABLE_NOT_FOUND',
  COLUMN_NOT_FOUND: 'COLUMN_NOT_FOUND',
  MISSING_COLUMN_NAME: 'COLUMN_NOT_FOUND',
  SCHEMA_NOT_FOUND: 'SCHEMA_NOT_FOUND',
  CATALOG_NOT_FOUND: 'CATALOG_NOT_FOUND',
  MISSING_CATALOG_NAME: 'CATALOG_NOT_FOUND',
  MISSING_SCHEMA_NAME: 'SCHEMA_NOT_FOUND',
  SYNTAX_ERROR: 'INVALID_SQL',
  PERMISSION_DENIED: 'PERMISSION_DENIED',
  TYPE_MISMATCH: 'INVALID_TYPE',
  INVALID_CAST_ARGUMENT: 'INVALID_VALUE',
  DUPLICATE_COLUMN_NAME: 'DUPLICATE_COLUMN',
};

/** Trino's per-query resource limits (INSUFFICIENT_RESOURCES, but not transient like CLUSTER_OUT_OF_MEMORY). */
const QUERY_LIMIT_ERRORS = new Set(['EXCEEDED_LOCAL_MEMORY_LIMIT', 'EXCEEDED_GLOBAL_MEMORY_LIMIT', 'EXCEEDED_SPILL_LIMIT', 'EXCEEDED_CPU_LIMIT', 'EXCEEDED_SCAN_LIMIT']);

/** Maps a failed query onto our errors; user errors keep Trino's errorName in the message. */
export function trinoQueryError(error: QueryError, sql: string, hide: (text: string) => string = redact): Error {
  const message = hide(`Trino ${error.errorName}: ${error.message}`);
  if (error.errorType === 'USER_ERROR') {
    const code = USER_ERROR_CODES[error.errorName] ?? 'QUERY_FAILED';
    const table = /Table '([^']+)'/.exec(error.message)?.[1];
    const column = /Column '([^']+)'/.exec(error.message)?.[1];
    const e = new WarehouseInputError(code, message, { table, column });
    (e as { trinoErrorName?: string }).trinoErrorName = error.errorName;
    return e;
  }
  // A per-query limit: the same query on the same data hits it again, so retrying all night cannot help.
  if (QUERY_LIMIT_ERRORS.has(error.errorName)) {
    const e = new WarehouseInputError(
      'QUERY_TOO_LARGE',
      hide(
        `${message} (query: ${sql.slice(0, 200)}): the query needs more than Trino's per-query limit. Raise query.max-memory-per-node / query.max-memory (or enable spilling) for autoseg's user, or exclude high-cardinality text columns (--exclude)`,
      ),
    );
    (e as { trinoErrorName?: string }).trinoErrorName = error.errorName;
    return e;
  }
  // INTERNAL_ERROR, INSUFFICIENT_RESOURCES, EXTERNAL: the server or a node is in trouble.
  return new WarehouseUnavailableError(hide(`${message} (query: ${sql.slice(0, 200)})`));
}

/**
 * Transport failures: unreachable or 5xx/429 are transient; 401/403 are a configuration problem.
 * The raw error is not kept as `cause`: axios errors carry the request config (auth included).
 */
function transportError(err: unknown, server: string, hide: (text: string) => string): Error {
  const e = err as { response?: { status?: number }; code?: string; message?: string };
  const status = e.response?.status;
  const at = `Trino at ${displayUrl(server)}`;
  if (status === 401 || status === 403) {
    return new WarehouseInputError('PERMISSION_DENIED', hide(`${at} refused the credentials (HTTP ${status})`));
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new WarehouseInputError('QUERY_FAILED', hide(`${at} rejected the request (HTTP ${status}): ${e.message ?? ''}`));
  }
  const message = hide(`${at} is unavailable: ${e.code ?? status ?? ''} ${e.message ?? String(err)}`.replace(/\s+/g, ' ').trim());
  return new WarehouseUnavailableError(message, { cause: new Error(message) });
}

/** The query id of a statement that was posted but not yet polled (trino-client keeps it private). */
function postedQueryId(iterator: unknown): string | undefined {
  const id = (iterator as { iter?: { queryResult?: { id?: unknown } } } | undefined)?.iter?.queryResult?.id;
  return typeof id === 'string' ? id : undefined;
}

export class TrinoConnection {
  private readonly client: Trino;

  constructor(readonly config: ResolvedTrinoConfig) {
    // Trino refuses a password over plain http ("Password not allowed for insecure
    // authentication"), and it would travel in clear text: over http only the user name is sent.
    const https = /^https:/i.test(config.server);
    this.client = Trino.create({
      server: config.server,
      source: 'autoseg',
      catalog: config.catalog,
      schema: config.schema,
      auth: config.password !== undefined && https ? new BasicAuth(config.user, config.password) : undefined,
      // Requests outside a query (cancel) need the user too; the client's default is $USER, often unset.
      // No gzip: axios asks for it by default, and then Trino compresses every result page on the
      // coordinator (measured on tpch.sf10.customer, 265 MB of JSON: 68k rows/s with gzip against
      // 250k+ uncompressed, Trino's CPU being the bottleneck). Pages cross a data-centre network.
      extraHeaders: { 'X-Trino-User': config.user, 'Accept-Encoding': 'identity' },
      ssl: config.ssl,
    });
  }

  /** Masks URL credentials, known secret env values and this connection's own password. */
  readonly hide = (text: string): string => {
    let out = redact(text);
    const pw = this.config.password;
    if (pw && pw.length >= 3) {
      out = out.split(pw).join('***');
      const encoded = encodeURIComponent(pw);
      if (encoded !== pw) out = out.split(encoded).join('***');
    }
    return out;
  };

  /**
   * Runs one statement. With `onPage`, each non-empty page goes to it as it arrives (and rows are
   * not kept); if the handler throws, the query is cancelled on the server and the error rethrown.
   * When `signal` aborts, the query is cancelled on the server (DELETE /v1/query/<id>) and the
   * promise rejects at once with the signal's reason (or an AbortError); the request still in
   * flight is abandoned, its outcome ignored.
   *
   * `session` sets session properties for this statement only (planner hints such as
   * `distinct_aggregations_strategy`); a server that does not know one of them (an older Trino)
   * runs the statement without them, since it refuses them before executing anything.
   */
  async execute(sql: string, onPage?: PageHandler, signal?: AbortSignal, session?: Readonly<Record<string, string>>): Promise<StatementResult> {
    if (session === undefined) return this.executeOnce(sql, onPage, signal);
    try {
      return await this.executeOnce(sql, onPage, signal, session);
    } catch (err) {
      if ((err as { trinoErrorName?: string }).trinoErrorName !== 'INVALID_SESSION_PROPERTY') throw err;
      return this.executeOnce(sql, onPage, signal);
    }
  }

  private async executeOnce(sql: string, onPage?: PageHandler, signal?: AbortSignal, session?: Readonly<Record<string, string>>): Promise<StatementResult> {
    if (signal?.aborted) throw abortError(signal);
    let queryId: string | undefined;
    let aborted = false;
    let detach = (): void => undefined;
    const abortion = signal
      ? new Promise<never>((_, reject) => {
          const onAbort = (): void => {
            aborted = true;
            if (queryId) void this.client.cancel(queryId).catch(() => undefined);
            reject(abortError(signal));
          };
          signal.addEventListener('abort', onAbort, { once: true });
          detach = () => signal.removeEventListener('abort', onAbort);
        })
      : undefined;
    // Promise.race marks the losing promise as handled: an abandoned request cannot crash the process.
    const race = <T>(p: Promise<T>): Promise<T> => (abortion ? Promise.race([p, abortion]) : p);
    try {
      const posted = this.client.query({ query: sql, user: this.config.user, ...(session ? { session: { ...session } } : {}) });
      // Aborted while the POST was in flight: once its answer arrives, cancel the query it created.
      void posted.then(
        (it) => {
          if (aborted) {
            const id = postedQueryId(it);
            if (id) void this.client.cancel(id).catch(() => undefined);
          }
        },
        () => undefined,
      );
      let iterator;
      try {
        iterator = await race(posted);
      } catch (err) {
        if (aborted) throw err;
        throw transportError(err, this.config.server, this.hide);
      }
      queryId = postedQueryId(iterator);
      return await this.drain(
        iterator,
        sql,
        onPage,
        race,
        (id) => (queryId = id),
        () => aborted,
      );
    } finally {
      detach();
    }
  }

  private async drain(
    iterator: AsyncIterator<QueryResult>,
    sql: string,
    onPage: PageHandler | undefined,
    race: <T>(p: Promise<T>) => Promise<T>,
    setId: (id: string) => void,
    aborted: () => boolean,
  ): Promise<StatementResult> {
    let columns: Columns = [];
    const rows: unknown[][] = [];
    let last: QueryResult | undefined;
    let queryId: string | undefined;
    try {
      for (;;) {
        let step: IteratorResult<QueryResult>;
        try {
          step = await race(iterator.next());
        } catch (err) {
          if (aborted()) throw err;
          throw transportError(err, this.config.server, this.hide);
        }
        const page = step.value;
        // The client repeats the final page object with done=true, and an immediate failure
        // arrives only that way: handle each page object exactly once.
        if (page && page !== last) {
          last = page;
          if (page.id) setId((queryId = page.id));
          if (page.error) throw trinoQueryError(page.error, sql, this.hide);
          if (page.columns) columns = page.columns;
          if (page.data && page.data.length > 0) {
            if (onPage) await race(Promise.resolve(onPage(columns, page.data)));
            else for (const r of page.data) rows.push(r);
          }
        }
        if (step.done) break;
      }
    } catch (err) {
      if (queryId && !aborted() && !(err instanceof WarehouseInputError && last?.error)) {
        await this.client.cancel(queryId).catch(() => undefined);
      }
      throw err;
    }
    return { columns, rows };
  }
}
