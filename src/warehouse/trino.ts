/**
 * The Trino warehouse: describe and scan any table or SELECT into a ColumnarTable, and write a
 * run's segment and model tables back as one unit (trino-run-write.ts), with a pre-flight
 * (trino-check.ts) and a compensation for failed or cancelled runs.
 *
 * Exactness: trino-client parses result JSON with JSON.parse, which rounds BIGINTs above 2^53, so
 * the user id column is CAST to VARCHAR inside Trino and never travels as a number.
 */
import type { ColumnarTable } from '../segmentation/table';
import { countCandidates, scannedTable, countedColumns, countQuery, type CountedScan } from './counted-columns';
import { columnBuilder } from './column-builder';
import { WarehouseInputError } from './errors';
import { checkIdentifier, parseTableRef, quoteIdentifier, quoteTableRef, type TableRef } from './identifiers';
import { TrinoConnection, resolveTrinoConfig, type PageHandler, type TrinoConfig } from './trino-connection';
export type { RunOutputs, RunWriteOptions, RunWriteResult } from './trino-run-write';
import { checkTrinoWritable } from './trino-check';
import { cleanupRun, runLayout, writeRunOutputs, type RunOutputs, type RunWriteOptions, type RunWriteResult } from './trino-run-write';
import { trinoTableExists, writeTrinoTable } from './trino-write';
import { classifySqlType, kindOf, type ColumnInfo, type OutputTable, type ScanOptions, type Source, type Warehouse, type WriteOptions, type WriteResult } from './warehouse';

/** The Trino expression that reads a column the way the engine wants it (also the values trino-profile.ts aggregates). */
export function selectExpression(name: string, sqlType: string, asUserId: boolean): string {
  const col = quoteIdentifier(name);
  if (asUserId) return `CAST(${col} AS varchar)`;
  switch (classifySqlType(sqlType)) {
    case 'numeric':
    case 'boolean':
    case 'text':
      return col;
    case 'date':
      return `date_diff('day', DATE '1970-01-01', ${col})`;
    case 'timestamp':
      return `date_diff('millisecond', TIMESTAMP '1970-01-01 00:00:00', ${col}) / 86400000e0`;
    case 'timestamptz':
      return `to_unixtime(${col}) / 86400e0`;
    case 'other':
      // Arrays, maps and rows have no VARCHAR cast; JSON text keeps them comparable as categories.
      if (/^(array|map|row)\b/i.test(sqlType)) return `json_format(CAST(${col} AS json))`;
      if (/^varbinary/i.test(sqlType)) return `to_hex(${col})`;
      return `CAST(${col} AS varchar)`;
  }
}

/**
 * The hash range (0..streams-1) a row's user id falls in: xxhash64 of the id's text (the scan
 * reads it as text, see selectExpression), so any id type is spread evenly; a NULL id goes to
 * range 0: read exactly once, like every row, and then refused by the extract stage's id check.
 */
function streamKey(userId: string, streams: number): string {
  return `coalesce(abs(mod(from_big_endian_64(xxhash64(to_utf8(${quoteIdentifier(userId)}))), ${streams})), 0)`;
}

/**
 * The count query's several count(DISTINCT) as independent sub-aggregations, as trino-profile.ts
 * runs them: on tpch.sf10.customer (five text columns) 4.2-6.5 s against 9.9-15.4 s with Trino's
 * default MarkDistinct plan, which was most of the extract stage.
 */
const SPLIT_DISTINCT_COUNTS = { distinct_aggregations_strategy: 'split_to_subqueries' } as const;

/** Finds a caller-named column among the described ones (Trino names are case-insensitive). */
function findColumn(columns: readonly ColumnInfo[], name: string, sourceName: string): ColumnInfo {
  checkIdentifier(name, 'column name');
  const found = columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!found) throw new WarehouseInputError('COLUMN_NOT_FOUND', `column ${name} not found in ${sourceName}`, { table: sourceName, column: name });
  return found;
}

export class TrinoWarehouse implements Warehouse {
  readonly kind = 'trino';
  /** Also used by trino-profile.ts to run its aggregate queries. */
  readonly connection: TrinoConnection;
  /** Learned once per instance: whether the target's connector supports CREATE OR REPLACE TABLE. */
  private readonly replaceSupport = new Map<string, boolean>();

  constructor(config: TrinoConfig = {}) {
    this.connection = new TrinoConnection(resolveTrinoConfig(config));
  }

  /** A table reference completed to catalog.schema.table from the configured defaults, lowercased. */
  resolveTable(ref: string): TableRef {
    const parts = parseTableRef(ref).parts.map((p) => p.toLowerCase());
    const { catalog, schema } = this.connection.config;
    if (parts.length === 3) return { parts };
    if (parts.length === 2 && catalog) return { parts: [catalog, ...parts] };
    if (parts.length === 1 && catalog && schema) return { parts: [catalog, schema, ...parts] };
    throw new WarehouseInputError('INVALID_IDENTIFIER', `table ${ref} needs a catalog and schema (give catalog.schema.table or set TRINO_CATALOG / TRINO_SCHEMA)`, { table: ref });
  }

  /** The FROM clause of a source (a quoted table or a parenthesised subquery) and its display name. */
  fromClause(source: Source): { sql: string; name: string } {
    if (source.kind === 'table') {
      const ref = this.resolveTable(source.table);
      return { sql: quoteTableRef(ref), name: ref.parts.join('.') };
    }
    if (source.kind === 'sql') {
      // A subquery can only hold a query: DDL or a second statement is a syntax error there.
      const sql = source.sql.trim().replace(/;+\s*$/, '');
      if (!/^(\(|select\b|with\b|values\b|table\b)/i.test(sql)) {
        throw new WarehouseInputError('INVALID_SQL', 'a SQL source must be a single SELECT (or WITH ... SELECT) statement');
      }
      return { sql: `(${sql}) AS autoseg_source`, name: `query (${sql.slice(0, 60)}${sql.length > 60 ? '...' : ''})` };
    }
    throw new WarehouseInputError('UNSUPPORTED_SOURCE', `Trino cannot read the file ${source.path}; use the DuckDB warehouse`);
  }

  /** The source's column types (name -> Trino type), as the compiled model's SELECT takes them. */
  async columnTypes(source: Source): Promise<Record<string, string>> {
    return Object.fromEntries((await this.describe(source)).map((c) => [c.name, c.sqlType]));
  }

  async describe(source: Source): Promise<ColumnInfo[]> {
    const from = this.fromClause(source);
    const { columns } = await this.connection.execute(`SELECT * FROM ${from.sql} LIMIT 0`);
    return columns.map((c) => ({ name: c.name, sqlType: c.type, kind: kindOf(c.type) }));
  }

  async scan(source: Source, options: ScanOptions = {}): Promise<ColumnarTable> {
    const from = this.fromClause(source);
    const described = await this.describe(source);
    const names = new Set<string>();
    for (const c of described) {
      if (names.has(c.name)) throw new WarehouseInputError('DUPLICATE_COLUMN', `${from.name} has two columns named ${c.name}`, { table: from.name, column: c.name });
      names.add(c.name);
    }
    const userId = options.userId === undefined ? undefined : findColumn(described, options.userId, from.name);
    let selected = described;
    if (options.columns) {
      const wanted = new Set(options.columns.map((n) => findColumn(described, n, from.name).name));
      selected = described.filter((c) => wanted.has(c.name) || c.name === userId?.name);
    }
    if (selected.length === 0) throw new WarehouseInputError('COLUMN_NOT_FOUND', `no columns selected from ${from.name}`, { table: from.name });

    // Free text and near-unique codes that their distinct count alone drops: counted in Trino, never sent.
    const candidates = countCandidates(source, selected, userId, options);
    const counted: CountedScan =
      candidates.length === 0
        ? { columns: new Map() }
        : countedColumns((await this.connection.execute(countQuery(from.sql, candidates), undefined, undefined, SPLIT_DISTINCT_COUNTS)).rows[0], candidates, options);
    const read = selected.filter((c) => !counted.columns.has(c.name));
    const builders = read.map((c) => (c === userId ? columnBuilder(c.name, c.sqlType, 'categorical') : columnBuilder(c.name, c.sqlType, c.kind)));
    const list = read.map((c) => `${selectExpression(c.name, c.sqlType, c === userId)} AS ${quoteIdentifier(c.name)}`).join(', ');
    const select = `SELECT ${list} FROM ${from.sql}`;
    // A SQL source is re-run by every stream: only a table is sure to give each the same rows.
    const streams = userId && source.kind === 'table' ? this.connection.config.scanStreams : 1;
    let rowsRead = 0;
    let batches = 0;
    // JavaScript runs one page handler at a time, so pages of several streams go into the same
    // builders whole, in any order (the extract stage sorts by user id afterwards).
    const onPage = async (_columns: unknown, rows: unknown[][]): Promise<void> => {
      for (const row of rows) for (let j = 0; j < builders.length; j++) builders[j].push(row[j]);
      rowsRead += rows.length;
      batches++;
      if (options.onBatch) await options.onBatch({ rowsRead, batches });
    };
    if (streams === 1) await this.connection.execute(select, onPage);
    else await this.scanStreams(select, streamKey(userId!.name, streams), streams, onPage);
    return scannedTable(from.name, rowsRead, selected, counted, read, builders);
  }

  /**
   * One query per hash range of the user id, run concurrently. The first failure (a Trino error,
   * or onBatch throwing because the run was cancelled) cancels the other queries and is rethrown.
   */
  private async scanStreams(select: string, key: string, streams: number, onPage: PageHandler): Promise<void> {
    const stop = new AbortController();
    let first: { error: unknown } | undefined;
    await Promise.all(
      Array.from({ length: streams }, (_, i) =>
        this.connection.execute(`SELECT * FROM (${select}) AS autoseg_scan WHERE ${key} = ${i}`, onPage, stop.signal).catch((error: unknown) => {
          if (!first) {
            first = { error };
            stop.abort(error);
          }
        }),
      ),
    );
    if (first) throw first.error;
  }

  async tableExists(target: string): Promise<boolean> {
    return trinoTableExists(this.connection, this.resolveTable(target));
  }

  async writeTable(target: string, table: OutputTable, options: WriteOptions): Promise<WriteResult> {
    const ref = this.resolveTable(target);
    return writeTrinoTable(this.connection, ref, table, options, this.replaceSupport);
  }

  /**
   * Writes a run's segment table and model table as one unit: both staged, then swapped in under
   * a per-output lock, only if no newer run already wrote them (else SupersededRunError). Safe to
   * retry with the same runId after any failure. See trino-run-write.ts.
   */
  async writeRunOutputs(outputs: RunOutputs, options: RunWriteOptions): Promise<RunWriteResult> {
    const layout = runLayout(
      this.resolveTable(outputs.segments.target),
      this.resolveTable(outputs.model.target),
      (outputs.extras ?? []).map((e) => this.resolveTable(e.target)),
    );
    return writeRunOutputs(this.connection, layout, outputs, options, this.replaceSupport);
  }

  /** Compensation after a failed or cancelled run: the outputs left as a complete pair, the run's leftovers dropped. */
  async cleanupRun(targets: { segments: string; model: string; extras?: readonly string[] }, runId: string): Promise<void> {
    const extras = (targets.extras ?? []).map((t) => this.resolveTable(t));
    return cleanupRun(this.connection, runLayout(this.resolveTable(targets.segments), this.resolveTable(targets.model), extras), runId);
  }

  /** Pre-flight: valid name, existing catalog and schema, and a catalog that accepts CREATE TABLE. */
  async checkWritable(target: string): Promise<void> {
    return checkTrinoWritable(this.connection, target, (t) => this.resolveTable(t));
  }

  async close(): Promise<void> {
    // trino-client holds no open connection between statements.
  }
}
