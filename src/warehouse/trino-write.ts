/**
 * Staging tables, and the single-table write-back `writeTable` (kept for the smoke activity and
 * direct callers; the run's segment + model pair goes through trino-run-write.ts instead).
 *
 * 1. The rows go to a staging table named after the run (`<target>__stage_<run tag>`); a staging
 *    table left by a crashed attempt of the same run is dropped first.
 * 2. Its row count must equal the rows given, or nothing is swapped.
 * 3. If the target already holds exactly these rows (a retry after a completed swap), the staging
 *    table is dropped and nothing else happens: readers see no change at all.
 * 4. Otherwise staging replaces the target:
 *    - `replace`: CREATE OR REPLACE TABLE target AS SELECT * FROM staging, one atomic metadata
 *      change on connectors that support it (Iceberg, Delta Lake);
 *    - `rename`: target -> `<target>__old_<tag>`, staging -> target, drop old. The memory
 *      connector only allows this one. Readers never see a partial table, but between the two
 *      renames (one metadata call, milliseconds) the target does not exist. A crash in that window
 *      is repaired by the retry: it rewrites staging and renames it in; the old copy is dropped.
 *
 * Rows travel as one JSON array per column, UNNESTed and CAST inside Trino (trino-batch.ts): about
 * ten times faster for Trino to parse and plan than a multi-row VALUES list of the same size, ids
 * kept exact. Statements are cut to stay under `maxStatementChars`; after the first, up to
 * `insertStreams` INSERTs run at once.
 */
import { BatchEncoder } from './trino-batch';
import { WarehouseInputError, WarehouseUnavailableError } from './errors';
import { checkIdentifier, checkOutputType, quoteIdentifier, quoteTableRef, runTag, tableName, withTableName, type TableRef } from './identifiers';
import type { TrinoConnection } from './trino-connection';
import { checkOutputTable, type OutputTable, type WriteOptions, type WriteResult } from './warehouse';

/** A SQL string literal: Trino strings have no backslash escapes, only '' for a quote. */
export function stringLiteral(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

export async function trinoTableExists(conn: TrinoConnection, ref: TableRef): Promise<boolean> {
  const [catalog, schema, table] = ref.parts;
  const { rows } = await conn.execute(
    `SELECT count(*) FROM ${quoteIdentifier(catalog)}.information_schema.tables WHERE table_schema = ${stringLiteral(schema)} AND table_name = ${stringLiteral(table)}`,
  );
  return Number(rows[0]?.[0] ?? 0) > 0;
}

export async function count(conn: TrinoConnection, ref: TableRef): Promise<number> {
  const { rows } = await conn.execute(`SELECT count(*) FROM ${quoteTableRef(ref)}`);
  return Number(rows[0][0]);
}

/** Same column names and types, and the same multiset of rows. */
async function sameContent(conn: TrinoConnection, a: TableRef, b: TableRef): Promise<boolean> {
  const schemaOf = async (ref: TableRef): Promise<string> => JSON.stringify((await conn.execute(`SELECT * FROM ${quoteTableRef(ref)} LIMIT 0`)).columns.map((c) => [c.name, c.type]));
  if ((await schemaOf(a)) !== (await schemaOf(b))) return false;
  const qa = quoteTableRef(a);
  const qb = quoteTableRef(b);
  const { rows } = await conn.execute(`SELECT count(*) FROM ((SELECT * FROM ${qa} EXCEPT ALL SELECT * FROM ${qb}) UNION ALL (SELECT * FROM ${qb} EXCEPT ALL SELECT * FROM ${qa}))`);
  return Number(rows[0][0]) === 0;
}

export interface FillOptions {
  readonly signal?: AbortSignal;
  readonly onBatch?: (progress: { readonly rowsWritten: number }) => void | Promise<void>;
}

/**
 * Writes all rows into `staging` in statements of at most `maxChars` characters (trino-batch.ts):
 * the first one creates it (CREATE TABLE ... AS SELECT, so an empty table still gets its
 * columns), the others INSERT, up to `parallel` at a time (Trino parses, casts and inserts each
 * on its own threads). A staging table left by a crashed attempt of the same run is dropped and
 * recreated. The first failed INSERT stops the rest; the caller's row count check catches an
 * insert lost any other way.
 */
async function writeRows(conn: TrinoConnection, staging: TableRef, table: OutputTable, maxChars: number, parallel: number, options: FillOptions): Promise<void> {
  const create = `CREATE TABLE ${quoteTableRef(staging)} AS `;
  const insert = `INSERT INTO ${quoteTableRef(staging)} `;
  const batches = new BatchEncoder(table, maxChars, Math.max(create.length, insert.length));

  let written = 0;
  const done = async (rows: number): Promise<void> => {
    written += rows;
    if (options.onBatch) await options.onBatch({ rowsWritten: written });
  };
  const createWith = async (select: string): Promise<void> => {
    try {
      await conn.execute(create + select, undefined, options.signal);
    } catch (err) {
      const name = (err as { trinoErrorName?: string }).trinoErrorName;
      if (!(err instanceof WarehouseInputError && (name === 'TABLE_ALREADY_EXISTS' || name === 'ALREADY_EXISTS'))) throw err;
      await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(staging)}`, undefined, options.signal);
      await conn.execute(create + select, undefined, options.signal);
    }
  };

  let created = false;
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  const send = async (): Promise<void> => {
    const { select, rows } = batches.take();
    if (!created) {
      // The table must exist before any INSERT: the first statement runs alone.
      await createWith(select);
      created = true;
      await done(rows);
      return;
    }
    const p: Promise<void> = conn
      .execute(insert + select, undefined, options.signal)
      .then(() => done(rows))
      .catch((error: unknown) => {
        failure ??= { error };
      })
      .finally(() => inFlight.delete(p));
    inFlight.add(p);
    while (inFlight.size >= parallel && !failure) await Promise.race(inFlight);
  };
  try {
    for (let i = 0; i < table.rowCount && !failure; i++) {
      if (!batches.add(i)) {
        await send();
        if (failure) break;
        batches.add(i);
      }
    }
    if (!failure && (batches.pendingRows > 0 || !created)) await send();
  } finally {
    // Never return (or retry) while a statement of this write may still be running.
    await Promise.all(inFlight);
  }
  if (failure) throw failure.error;
}

/** Shape, column names and types of a table to write, checked before any SQL runs. */
export function checkWritableTable(table: OutputTable): void {
  checkOutputTable(table);
  for (const c of table.columns) {
    checkIdentifier(c.name, 'output column name');
    checkOutputType(c.sqlType, c.name);
  }
}

/**
 * (Re)creates `staging` and fills it with `table`. The caller checks its row count before using
 * it (someone else wrote into it, or an insert was lost: retry from scratch).
 */
export async function fillStaging(conn: TrinoConnection, staging: TableRef, table: OutputTable, options: FillOptions = {}): Promise<void> {
  await writeRows(conn, staging, table, conn.config.maxStatementChars, conn.config.insertStreams, options);
}

export function stagingCountError(staging: TableRef, staged: number, expected: number): WarehouseUnavailableError {
  return new WarehouseUnavailableError(`staging table ${staging.parts.join('.')} holds ${staged} rows, expected ${expected}; the write will be redone`);
}

export async function writeTrinoTable(conn: TrinoConnection, target: TableRef, table: OutputTable, options: WriteOptions, replaceSupport: Map<string, boolean>): Promise<WriteResult> {
  checkWritableTable(table);
  const tag = runTag(options.runId);
  const name = tableName(target);
  const staging = withTableName(target, `${name}__stage_${tag}`);
  const old = withTableName(target, `${name}__old_${tag}`);
  const targetName = target.parts.join('.');

  // A cut between the two renames of an earlier attempt left the target only as `old`: put it back.
  if (!(await trinoTableExists(conn, target)) && (await trinoTableExists(conn, old))) {
    await conn.execute(`ALTER TABLE ${quoteTableRef(old)} RENAME TO ${quoteTableRef(target)}`);
  }
  await fillStaging(conn, staging, table, options);
  const staged = await count(conn, staging);
  if (staged !== table.rowCount) throw stagingCountError(staging, staged, table.rowCount);

  const targetExists = await trinoTableExists(conn, target);
  if (targetExists && (await sameContent(conn, target, staging))) {
    await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(staging)}`);
    await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(old)}`);
    return { target: targetName, rowCount: table.rowCount, outcome: 'unchanged', strategy: 'rename' };
  }
  const outcome = targetExists ? 'replaced' : 'created';

  const catalog = target.parts[0];
  const strategy = conn.config.replaceStrategy;
  if (strategy === 'replace' || (strategy === 'auto' && replaceSupport.get(catalog) !== false)) {
    try {
      await conn.execute(`CREATE OR REPLACE TABLE ${quoteTableRef(target)} AS SELECT * FROM ${quoteTableRef(staging)}`);
      replaceSupport.set(catalog, true);
      await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(staging)}`);
      return { target: targetName, rowCount: table.rowCount, outcome, strategy: 'replace' };
    } catch (err) {
      const notSupported = err instanceof WarehouseInputError && (err as { trinoErrorName?: string }).trinoErrorName === 'NOT_SUPPORTED';
      if (strategy === 'replace' || !notSupported) throw err;
      replaceSupport.set(catalog, false);
    }
  }

  await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(old)}`);
  if (targetExists) await conn.execute(`ALTER TABLE ${quoteTableRef(target)} RENAME TO ${quoteTableRef(old)}`);
  await conn.execute(`ALTER TABLE ${quoteTableRef(staging)} RENAME TO ${quoteTableRef(target)}`);
  await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(old)}`);
  return { target: targetName, rowCount: table.rowCount, outcome, strategy: 'rename' };
}
