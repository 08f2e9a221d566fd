/**
 * One Trino connection through `trino-client`: configuration (object first, then TRINO_* env),
 * statement execution with pages streamed to a callback, and the mapping of Trino's failures onto
 * WarehouseInputError (the request is wrong) or WarehouseUnavailableError (retry later).
 */
import { BasicAuth, Trino, type Columns, type QueryError, type QueryResult, type SecureContextOptions } from 'trino-client';
import { WarehouseInputError, WarehouseUnavailableError, type WarehouseInputCode } from './errors';

export interface TrinoConfig {
  /** e.g. `http://127.0.0.1:8080`; env TRINO_URL. */
  readonly server?: string;
  /** env TRINO_USER, default `autoseg`. */
  readonly user?: string;
  /** Default catalog for one- and two-part table names; env TRINO_CATALOG. */
  readonly catalog?: string;
  /** Default schema for one-part table names; env TRINO_SCHEMA. */
  readonly schema?: string;
  /** Sent as HTTP basic auth (Trino requires https for passwords); env TRINO_PASSWORD. */
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
}

export interface ResolvedTrinoConfig {
  readonly server: string;
  readonly user: string;
  readonly catalog?: string;
  readonly schema?: string;
  readonly password?: string;
  readonly ssl?: SecureContextOptions;
  readonly maxStatementChars: number;
  readonly replaceStrategy: 'auto' | 'replace' | 'rename';
}

export function resolveTrinoConfig(config: TrinoConfig = {}, env: NodeJS.ProcessEnv = process.env): ResolvedTrinoConfig {
  const nonEmpty = (v: string | undefined): string | undefined => (v === undefined || v === '' ? undefined : v);
  return {
    server: nonEmpty(config.server) ?? nonEmpty(env.TRINO_URL) ?? 'http://localhost:8080',
    user: nonEmpty(config.user) ?? nonEmpty(env.TRINO_USER) ?? 'autoseg',
    catalog: nonEmpty(config.catalog) ?? nonEmpty(env.TRINO_CATALOG),
    schema: nonEmpty(config.schema) ?? nonEmpty(env.TRINO_SCHEMA),
    password: nonEmpty(config.password) ?? nonEmpty(env.TRINO_PASSWORD),
    ssl: config.ssl,
    maxStatementChars: config.maxStatementChars ?? 900_000,
    replaceStrategy: config.replaceStrategy ?? 'auto',
  };
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

/** Maps a failed query onto our errors; user errors keep Trino's errorName in the message. */
export function trinoQueryError(error: QueryError, sql: string): Error {
  const message = `Trino ${error.errorName}: ${error.message}`;
  if (error.errorType === 'USER_ERROR') {
    const code = USER_ERROR_CODES[error.errorName] ?? 'QUERY_FAILED';
    const table = /Table '([^']+)'/.exec(error.message)?.[1];
    const column = /Column '([^']+)'/.exec(error.message)?.[1];
    const e = new WarehouseInputError(code, message, { table, column });
    (e as { trinoErrorName?: string }).trinoErrorName = error.errorName;
    return e;
  }
  // INTERNAL_ERROR, INSUFFICIENT_RESOURCES, EXTERNAL: the server or a node is in trouble.
  return new WarehouseUnavailableError(`${message} (query: ${sql.slice(0, 200)})`);
}

/** Transport failures: unreachable or 5xx/429 are transient; 401/403 are a configuration problem. */
function transportError(err: unknown, server: string): Error {
  const e = err as { response?: { status?: number }; code?: string; message?: string };
  const status = e.response?.status;
  if (status === 401 || status === 403) {
    return new WarehouseInputError('PERMISSION_DENIED', `Trino at ${server} refused the credentials (HTTP ${status})`);
  }
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    return new WarehouseInputError('QUERY_FAILED', `Trino at ${server} rejected the request (HTTP ${status}): ${e.message ?? ''}`);
  }
  return new WarehouseUnavailableError(`Trino at ${server} is unavailable: ${e.code ?? status ?? ''} ${e.message ?? String(err)}`.trim(), { cause: err });
}

export class TrinoConnection {
  private readonly client: Trino;

  constructor(readonly config: ResolvedTrinoConfig) {
    this.client = Trino.create({
      server: config.server,
      source: 'autoseg',
      catalog: config.catalog,
      schema: config.schema,
      auth: config.password !== undefined ? new BasicAuth(config.user, config.password) : undefined,
      ssl: config.ssl,
    });
  }

  /**
   * Runs one statement. With `onPage`, each non-empty page goes to it as it arrives (and rows are
   * not kept); if the handler throws, the query is cancelled on the server and the error rethrown.
   */
  async execute(sql: string, onPage?: PageHandler): Promise<StatementResult> {
    let iterator;
    try {
      iterator = await this.client.query({ query: sql, user: this.config.user });
    } catch (err) {
      throw transportError(err, this.config.server);
    }
    let columns: Columns = [];
    const rows: unknown[][] = [];
    let last: QueryResult | undefined;
    let queryId: string | undefined;
    try {
      for (;;) {
        let step: IteratorResult<QueryResult>;
        try {
          step = await iterator.next();
        } catch (err) {
          throw transportError(err, this.config.server);
        }
        const page = step.value;
        // The client repeats the final page object with done=true, and an immediate failure
        // arrives only that way: handle each page object exactly once.
        if (page && page !== last) {
          last = page;
          queryId = page.id ?? queryId;
          if (page.error) throw trinoQueryError(page.error, sql);
          if (page.columns) columns = page.columns;
          if (page.data && page.data.length > 0) {
            if (onPage) await onPage(columns, page.data);
            else for (const r of page.data) rows.push(r);
          }
        }
        if (step.done) break;
      }
    } catch (err) {
      if (queryId && !(err instanceof WarehouseInputError && last?.error)) {
        await this.client.cancel(queryId).catch(() => undefined);
      }
      throw err;
    }
    return { columns, rows };
  }
}
