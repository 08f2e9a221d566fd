import { BasicAuth, Trino } from 'trino-client';
import { DuckDBWarehouse, TrinoWarehouse } from '../../src/warehouse';
import { readColumn } from '../../src/segmentation/table';
import { join } from 'node:path';

/** The Trino server started by `npm test` (scripts/run-tests.ts). */
export function trinoUrl(): string {
  const url = process.env.TRINO_URL;
  if (!url) throw new Error('TRINO_URL is not set: run the integration tests through `npm test`, which starts Trino');
  return url;
}

/**
 * All rows of `sql`, read straight from Trino (independently of autoseg's warehouse code); from
 * `server` when given (a Trino a test started itself), else from the one `npm test` started.
 */
export async function queryRows(sql: string, server: string = trinoUrl()): Promise<unknown[][]> {
  const trino = Trino.create({ server, auth: new BasicAuth('autoseg-test') });
  const rows: unknown[][] = [];
  for await (const page of await trino.query(sql)) {
    // errorName (e.g. TABLE_NOT_FOUND, SERVER_STARTING_UP) rides along for tests that classify failures.
    if (page.error) throw Object.assign(new Error(`Trino: ${page.error.message}\n${sql}`), { errorName: page.error.errorName });
    rows.push(...(page.data ?? []));
  }
  return rows;
}

/** A query Trino is running now (system.runtime.queries). */
export interface RunningQuery {
  readonly queryId: string;
  readonly state: string;
  readonly query: string;
}

/** The queries in state RUNNING whose text is LIKE `pattern` (backslash escapes), on `server`. */
export async function runningQueries(pattern: string, server: string = trinoUrl()): Promise<RunningQuery[]> {
  const rows = await queryRows(`SELECT query_id, state, query FROM system.runtime.queries WHERE state = 'RUNNING' AND query LIKE '${pattern.replace(/'/g, "''")}' ESCAPE '\\'`, server);
  return rows.map(([queryId, state, query]) => ({ queryId: String(queryId), state: String(state), query: String(query) }));
}

/**
 * Replaces `target` (memory catalog) with the example customers (examples/customers.csv, as the
 * embedded DuckDB reads it): integers as bigint, other numbers as double, the rest varchar.
 */
export async function loadExampleCustomers(target: string): Promise<void> {
  const duck = new DuckDBWarehouse();
  let csv;
  try {
    csv = await duck.scan({ kind: 'file', path: join(__dirname, '..', '..', 'examples', 'customers.csv') }, { userId: 'td_canonical_id' });
  } finally {
    await duck.close();
  }
  const columns = csv.columns
    .map(readColumn)
    .map((c) =>
      c.kind === 'categorical'
        ? { name: c.name, sqlType: 'varchar', values: c.values }
        : { name: c.name, sqlType: /int/i.test(c.sourceType ?? '') ? 'bigint' : 'double', values: Array.from(c.values, (v, i) => (c.nulls[i] !== 0 ? null : v)) },
    );
  await queryRows(`DROP TABLE IF EXISTS ${target}`);
  const w = new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test', catalog: 'memory', schema: 'default' });
  try {
    await w.writeTable(target, { rowCount: csv.rowCount, columns }, { runId: 'example-customers' });
  } finally {
    await w.close();
  }
}
