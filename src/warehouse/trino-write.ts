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
 * Rows travel as one JSON array of strings per column, UNNESTed and CAST inside Trino: about ten
 * times faster for Trino to parse and plan than a multi-row VALUES list of the same size, and
 * the text form keeps ids exact. Statements are cut to stay under `maxStatementChars`.
 */
import { encodeValue, outputClass } from './encode';
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
 * Writes all rows into `staging` in statements of at most `maxChars` characters: the first one
 * creates it (CREATE TABLE ... AS SELECT, so an empty table still gets its columns), the others
 * INSERT. A staging table left by a crashed attempt of the same run is dropped and recreated.
 */
async function writeRows(conn: TrinoConnection, staging: TableRef, table: OutputTable, maxChars: number, options: FillOptions): Promise<void> {
  const cols = table.columns;
  const classes = cols.map((c) => outputClass(c.sqlType));
  const aliases = cols.map((_, j) => `c${j}`);
  const select = cols.map((c, j) => `CAST(${aliases[j]} AS ${c.sqlType}) AS ${quoteIdentifier(c.name)}`).join(', ');
  const create = `CREATE TABLE ${quoteTableRef(staging)} AS `;
  const insert = `INSERT INTO ${quoteTableRef(staging)} `;
  const head = `SELECT ${select} FROM UNNEST(`;
  const tail = `) AS u(${aliases.join(', ')})`;
  const perColumnOverhead = "CAST(json_parse('[]') AS array(varchar)), ".length;
  const fixed = Math.max(create.length, insert.length) + head.length + tail.length + cols.length * perColumnOverhead;

  let parts: string[][] = cols.map(() => []);
  let size = fixed;
  let batchRows = 0;
  let written = 0;
  let created = false;
  const flush = async (): Promise<void> => {
    if (batchRows === 0 && created) return;
    const arrays = parts.map((p) => `CAST(json_parse('[${p.join(',')}]') AS array(varchar))`).join(', ');
    const query = head + arrays + tail;
    if (created) {
      await conn.execute(insert + query, undefined, options.signal);
    } else {
      try {
        await conn.execute(create + query, undefined, options.signal);
      } catch (err) {
        const name = (err as { trinoErrorName?: string }).trinoErrorName;
        if (!(err instanceof WarehouseInputError && (name === 'TABLE_ALREADY_EXISTS' || name === 'ALREADY_EXISTS'))) throw err;
        await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(staging)}`, undefined, options.signal);
        await conn.execute(create + query, undefined, options.signal);
      }
      created = true;
    }
    written += batchRows;
    parts = cols.map(() => []);
    size = fixed;
    batchRows = 0;
    if (options.onBatch) await options.onBatch({ rowsWritten: written });
  };
  const rowParts = new Array<string>(cols.length);
  for (let i = 0; i < table.rowCount; i++) {
    let rowSize = 0;
    for (let j = 0; j < cols.length; j++) {
      const text = encodeValue(cols[j].values[i], classes[j], cols[j].name, i);
      // JSON inside a SQL string literal: quotes doubled for SQL, everything else JSON-escaped.
      rowParts[j] = text === null ? 'null' : JSON.stringify(text).replace(/'/g, "''");
      rowSize += rowParts[j].length + 1;
    }
    if (fixed + rowSize > maxChars) {
      throw new WarehouseInputError('INVALID_VALUE', `row ${i} is too large for one Trino statement (${rowSize} characters)`);
    }
    if (size + rowSize > maxChars) await flush();
    for (let j = 0; j < cols.length; j++) parts[j].push(rowParts[j]);
    size += rowSize;
    batchRows++;
  }
  await flush();
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
  await writeRows(conn, staging, table, conn.config.maxStatementChars, options);
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
