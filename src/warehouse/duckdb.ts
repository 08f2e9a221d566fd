/**
 * The embedded default warehouse: DuckDB reads CSV, Parquet and .duckdb files (or tables of its
 * own database) into a ColumnarTable, and writes results as a CSV / Parquet file (temp + rename)
 * or as a table replaced inside one transaction.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { createHash } from 'node:crypto';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import type { ColumnarTable } from '../segmentation/table';
import { replaceFileAtomically } from '../shared/atomicFile';
import { columnBuilder } from './column-builder';
import { countCandidates, scannedTable, countedColumns, countQuery, type CountedScan } from './counted-columns';
import { writeCsvFileAtomic } from './csv-file';
import { WarehouseInputError } from './errors';
import { checkIdentifier, parseTableRef, quoteIdentifier, quoteTableRef, type TableRef } from './identifiers';
import { writeDuckDBTable } from './duckdb-write';
import { classifySqlType, kindOf, type ColumnInfo, type OutputTable, type ScanOptions, type Source, type Warehouse, type WriteOptions, type WriteResult } from './warehouse';

export interface DuckDBConfig {
  /** The database file for table sources and table outputs; in-memory when omitted. */
  readonly database?: string;
}

export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** The DuckDB expression that reads a column the way the engine wants it. */
function selectExpression(name: string, sqlType: string, asUserId: boolean): string {
  const col = quoteIdentifier(name);
  if (asUserId) return `CAST(${col} AS VARCHAR)`;
  switch (classifySqlType(sqlType)) {
    case 'numeric':
      return `CAST(${col} AS DOUBLE)`; // BIGINT/HUGEINT/DECIMAL would otherwise arrive as bigint or objects
    case 'date':
      return `CAST(date_diff('day', DATE '1970-01-01', ${col}) AS DOUBLE)`;
    case 'timestamp':
    case 'timestamptz':
      return `CAST(epoch_ms(${col}) AS DOUBLE) / 86400000`;
    case 'text':
      return col;
    default:
      return `CAST(${col} AS VARCHAR)`;
  }
}

function fileKind(path: string): 'csv' | 'parquet' | 'duckdb' | 'json' | undefined {
  const p = path.toLowerCase();
  if (/\.(csv|tsv|txt)(\.gz|\.zst)?$/.test(p)) return 'csv';
  if (p.endsWith('.parquet')) return 'parquet';
  if (p.endsWith('.duckdb') || p.endsWith('.db')) return 'duckdb';
  if (/\.(json|ndjson|jsonl)(\.gz)?$/.test(p)) return 'json';
  return undefined;
}

export class DuckDBWarehouse implements Warehouse {
  readonly kind = 'duckdb';
  private instance?: DuckDBInstance;
  private connection?: DuckDBConnection;
  private readonly attached = new Map<string, string>();

  constructor(private readonly config: DuckDBConfig = {}) {}

  /** One connection per warehouse, opened on first use. */
  async connect(): Promise<DuckDBConnection> {
    if (!this.connection) {
      if (this.config.database) await mkdir(dirname(resolve(this.config.database)), { recursive: true });
      this.instance = await DuckDBInstance.create(this.config.database ?? ':memory:');
      this.connection = await this.instance.connect();
    }
    return this.connection;
  }

  /** The FROM clause for a source; `csvTypes` forces named CSV columns to a type (the user id to VARCHAR). */
  private async fromClause(source: Source, csvTypes: Record<string, string> = {}): Promise<{ sql: string; name: string }> {
    if (source.kind === 'table') return { sql: quoteTableRef(parseTableRef(source.table)), name: source.table };
    if (source.kind === 'sql') {
      const sql = source.sql.trim().replace(/;+\s*$/, '');
      if (!/^(\(|select\b|with\b|values\b|from\b|table\b)/i.test(sql)) {
        throw new WarehouseInputError('INVALID_SQL', 'a SQL source must be a single SELECT (or WITH ... SELECT) statement');
      }
      return { sql: `(${sql}) AS autoseg_source`, name: `query (${sql.slice(0, 60)}${sql.length > 60 ? '...' : ''})` };
    }
    const path = resolve(source.path);
    if (!existsSync(path)) throw new WarehouseInputError('TABLE_NOT_FOUND', `input file ${source.path} does not exist`, { table: source.path });
    const kind = fileKind(path);
    switch (kind) {
      case 'csv': {
        const entries = Object.entries(csvTypes).map(([k, v]) => `${sqlString(k)}: ${sqlString(v)}`);
        const types = entries.length ? `, types = {${entries.join(', ')}}` : '';
        return { sql: `read_csv_auto(${sqlString(path)}${types})`, name: source.path };
      }
      case 'parquet':
        return { sql: `read_parquet(${sqlString(path)})`, name: source.path };
      case 'json':
        return { sql: `read_json_auto(${sqlString(path)})`, name: source.path };
      case 'duckdb': {
        const alias = await this.attach(path);
        const table = source.table ?? (await this.soleTable(alias, source.path));
        const ref: TableRef = { parts: [alias, ...parseTableRef(table, 2).parts] };
        return { sql: quoteTableRef(ref), name: `${source.path}:${table}` };
      }
      default:
        throw new WarehouseInputError('UNSUPPORTED_SOURCE', `cannot read ${source.path}: expected .csv, .parquet, .json or .duckdb`, { table: source.path });
    }
  }

  private async attach(path: string): Promise<string> {
    const known = this.attached.get(path);
    if (known) return known;
    const alias = `src_${createHash('sha256').update(path).digest('hex').slice(0, 12)}`;
    await (await this.connect()).run(`ATTACH ${sqlString(path)} AS ${quoteIdentifier(alias)} (READ_ONLY)`);
    this.attached.set(path, alias);
    return alias;
  }

  private async soleTable(alias: string, displayPath: string): Promise<string> {
    const reader = await (await this.connect()).runAndReadAll(`SELECT table_name FROM information_schema.tables WHERE table_catalog = ${sqlString(alias)} ORDER BY table_name`);
    const names = reader.getRows().map((r) => String(r[0]));
    if (names.length !== 1) {
      throw new WarehouseInputError('TABLE_NOT_FOUND', `${displayPath} holds ${names.length} tables (${names.join(', ') || 'none'}); name the one to read`, { table: displayPath });
    }
    return names[0];
  }

  /** Runs a statement, turning DuckDB's catalog errors into typed input errors. */
  private async run<T>(what: string, fn: (c: DuckDBConnection) => Promise<T>): Promise<T> {
    const conn = await this.connect();
    try {
      return await fn(conn);
    } catch (err) {
      throw duckdbError(err, what);
    }
  }

  async describe(source: Source): Promise<ColumnInfo[]> {
    return this.describeFrom(await this.fromClause(source));
  }

  private async describeFrom(from: { sql: string; name: string }): Promise<ColumnInfo[]> {
    const reader = await this.run(from.name, (c) => c.runAndReadAll(`DESCRIBE SELECT * FROM ${from.sql}`));
    return reader.getRows().map((r) => ({ name: String(r[0]), sqlType: String(r[1]), kind: kindOf(String(r[1])) }));
  }

  async scan(source: Source, options: ScanOptions = {}): Promise<ColumnarTable> {
    let from = await this.fromClause(source);
    let described = await this.describeFrom(from);
    const find = (name: string): ColumnInfo => {
      checkIdentifier(name, 'column name');
      const found = described.find((c) => c.name === name) ?? described.find((c) => c.name.toLowerCase() === name.toLowerCase());
      if (!found) throw new WarehouseInputError('COLUMN_NOT_FOUND', `column ${name} not found in ${from.name}`, { table: from.name, column: name });
      return found;
    };
    let userId = options.userId === undefined ? undefined : find(options.userId);
    if (userId && source.kind === 'file' && fileKind(source.path) === 'csv' && userId.sqlType !== 'VARCHAR') {
      // CSV sniffing would parse ids as integers (dropping leading zeros, rounding huge ones): re-read them as text.
      from = await this.fromClause(source, { [userId.name]: 'VARCHAR' });
      described = await this.describeFrom(from);
      userId = find(userId.name);
    }
    let selected = described;
    if (options.columns) {
      const wanted = new Set(options.columns.map((n) => find(n).name));
      selected = described.filter((c) => wanted.has(c.name) || c.name === userId?.name);
    }
    if (selected.length === 0) throw new WarehouseInputError('COLUMN_NOT_FOUND', `no columns selected from ${from.name}`, { table: from.name });

    const candidates = countCandidates(source, selected, userId, options);
    const counted: CountedScan =
      candidates.length === 0 ? { columns: new Map() } : countedColumns((await this.run(from.name, (c) => c.runAndReadAll(countQuery(from.sql, candidates)))).getRows()[0], candidates, options);
    const read = selected.filter((c) => !counted.columns.has(c.name));
    const builders = read.map((c) => columnBuilder(c.name, c.sqlType, c === userId ? 'categorical' : c.kind));
    const list = read.map((c) => `${selectExpression(c.name, c.sqlType, c === userId)} AS ${quoteIdentifier(c.name)}`).join(', ');
    const batchSize = Math.max(1, options.batchSize ?? 65_536);
    const result = await this.run(from.name, (c) => c.stream(`SELECT ${list} FROM ${from.sql}`));
    let rowsRead = 0;
    let batches = 0;
    let sinceBatch = 0;
    for (;;) {
      const chunk = await this.run(from.name, () => result.fetchChunk());
      if (!chunk || chunk.rowCount === 0) break;
      for (let j = 0; j < builders.length; j++) {
        const values = chunk.getColumnValues(j);
        const b = builders[j];
        for (let i = 0; i < values.length; i++) b.push(values[i]);
      }
      rowsRead += chunk.rowCount;
      sinceBatch += chunk.rowCount;
      if (sinceBatch >= batchSize) {
        sinceBatch = 0;
        batches++;
        if (options.onBatch) await options.onBatch({ rowsRead, batches });
      }
    }
    if (sinceBatch > 0 || batches === 0) {
      batches++;
      if (options.onBatch) await options.onBatch({ rowsRead, batches });
    }
    return scannedTable(from.name, rowsRead, selected, counted, read, builders);
  }

  async tableExists(target: string): Promise<boolean> {
    if (fileKind(target) === 'csv' || fileKind(target) === 'parquet') return existsSync(target);
    const parts = parseTableRef(target).parts;
    const table = parts[parts.length - 1];
    const schema = parts.length >= 2 ? parts[parts.length - 2] : 'main';
    const catalogCond = parts.length === 3 ? ` AND table_catalog = ${sqlString(parts[0])}` : ' AND table_catalog = current_database()';
    const reader = await this.run(target, (c) =>
      c.runAndReadAll(`SELECT count(*) FROM information_schema.tables WHERE table_schema = ${sqlString(schema)} AND table_name = ${sqlString(table)}${catalogCond}`),
    );
    return Number(reader.getRows()[0][0]) > 0;
  }

  /** `.csv` / `.parquet` targets are files (temp + rename); anything else a table in the database. */
  async writeTable(target: string, table: OutputTable, options: WriteOptions): Promise<WriteResult> {
    const kind = fileKind(target);
    if (kind === 'csv') {
      await writeCsvFileAtomic(target, table);
      return { target, rowCount: table.rowCount, outcome: 'replaced', strategy: 'file' };
    }
    const conn = await this.connect();
    if (kind === 'parquet') {
      await replaceFileAtomically(resolve(target), async (tmp) => {
        await writeDuckDBTable(conn, { parts: ['autoseg_parquet_out'] }, table, options, async (select) => {
          await conn.run(`COPY (${select}) TO ${sqlString(tmp)} (FORMAT parquet)`);
        });
      });
      return { target, rowCount: table.rowCount, outcome: 'replaced', strategy: 'file' };
    }
    try {
      return await writeDuckDBTable(conn, parseTableRef(target), table, options);
    } catch (err) {
      throw duckdbError(err, target);
    }
  }

  async close(): Promise<void> {
    this.connection?.closeSync();
    this.instance?.closeSync();
    this.connection = undefined;
    this.instance = undefined;
    this.attached.clear();
  }
}

/** DuckDB reports catalog problems as plain errors; give the common ones our codes. */
function duckdbError(err: unknown, what: string): Error {
  if (err instanceof WarehouseInputError || !(err instanceof Error)) return err as Error;
  const m = err.message;
  if (/Catalog Error: Table .* does not exist/i.test(m)) return new WarehouseInputError('TABLE_NOT_FOUND', `${what}: ${m}`, { table: what });
  if (/Referenced column .* not found|Binder Error: .*column/i.test(m)) return new WarehouseInputError('COLUMN_NOT_FOUND', `${what}: ${m}`, { table: what });
  if (/Parser Error/i.test(m)) return new WarehouseInputError('INVALID_SQL', `${what}: ${m}`);
  if (/(Conversion|Invalid Input) Error/i.test(m)) return new WarehouseInputError('INVALID_VALUE', `${what}: ${m}`);
  return err;
}
