/**
 * Atomic, idempotent table write into DuckDB. Rows are appended as text into a TEMP staging table
 * named after the run (connection-local, so a crash leaves nothing behind), counted, then CAST into
 * the target with CREATE OR REPLACE TABLE inside one transaction: other connections see the old
 * table or the new one. A retry whose rows equal the target's changes nothing.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { encodeColumn } from './encode';
import { WarehouseUnavailableError } from './errors';
import { checkIdentifier, checkOutputType, quoteIdentifier, quoteTableRef, runTag, type TableRef } from './identifiers';
import { checkOutputTable, type OutputTable, type WriteOptions, type WriteResult } from './warehouse';

async function scalar(conn: DuckDBConnection, sql: string): Promise<number> {
  const reader = await conn.runAndReadAll(sql);
  return Number(reader.getRows()[0][0]);
}

export async function writeDuckDBTable(conn: DuckDBConnection, target: TableRef, table: OutputTable, options: WriteOptions, copyOut?: (select: string) => Promise<void>): Promise<WriteResult> {
  checkOutputTable(table);
  for (const c of table.columns) {
    checkIdentifier(c.name, 'output column name');
    checkOutputType(c.sqlType, c.name);
  }
  const staging = `autoseg_stage_${runTag(options.runId)}`;
  const stagingRef = `temp.main.${quoteIdentifier(staging)}`;
  const aliases = table.columns.map((_, j) => `c${j}`);
  await conn.run(`CREATE OR REPLACE TEMP TABLE ${quoteIdentifier(staging)} (${aliases.map((a) => `${a} VARCHAR`).join(', ')})`);
  try {
    const appender = await conn.createAppender(staging, 'main', 'temp');
    const block = 65_536;
    for (let from = 0; from < table.rowCount; from += block) {
      const to = Math.min(table.rowCount, from + block);
      const encoded = table.columns.map((c) => encodeColumn(c, from, to));
      for (let i = 0; i < to - from; i++) {
        for (const col of encoded) {
          const v = col[i];
          if (v === null) appender.appendNull();
          else appender.appendVarchar(v);
        }
        appender.endRow();
      }
      appender.flushSync();
      if (options.onBatch) await options.onBatch({ rowsWritten: to });
    }
    appender.closeSync();

    const staged = await scalar(conn, `SELECT count(*) FROM ${stagingRef}`);
    if (staged !== table.rowCount) throw new WarehouseUnavailableError(`staging table ${staging} holds ${staged} rows, expected ${table.rowCount}`);
    const select = `SELECT ${table.columns.map((c, j) => `CAST(${aliases[j]} AS ${c.sqlType}) AS ${quoteIdentifier(c.name)}`).join(', ')} FROM ${stagingRef}`;
    const targetName = target.parts.join('.');
    if (copyOut) {
      await copyOut(select);
      return { target: targetName, rowCount: table.rowCount, outcome: 'replaced', strategy: 'file' };
    }

    const quoted = quoteTableRef(target);
    const existing = await existsAndEquals(conn, quoted, select);
    if (existing === 'equal') return { target: targetName, rowCount: table.rowCount, outcome: 'unchanged', strategy: 'transaction' };

    await conn.run('BEGIN TRANSACTION');
    try {
      await conn.run(`CREATE OR REPLACE TABLE ${quoted} AS ${select}`);
      const written = await scalar(conn, `SELECT count(*) FROM ${quoted}`);
      if (written !== table.rowCount) throw new WarehouseUnavailableError(`${targetName} would hold ${written} rows, expected ${table.rowCount}`);
      await conn.run('COMMIT');
    } catch (err) {
      await conn.run('ROLLBACK').catch(() => undefined);
      throw err;
    }
    return { target: targetName, rowCount: table.rowCount, outcome: existing === 'missing' ? 'created' : 'replaced', strategy: 'transaction' };
  } finally {
    await conn.run(`DROP TABLE IF EXISTS ${stagingRef}`).catch(() => undefined);
  }
}

/** Whether the target is missing, differs, or already holds exactly the rows of `select` (same column names and types). */
async function existsAndEquals(conn: DuckDBConnection, quotedTarget: string, select: string): Promise<'missing' | 'different' | 'equal'> {
  let targetTypes: string;
  try {
    const reader = await conn.runAndReadAll(`DESCRIBE SELECT * FROM ${quotedTarget}`);
    targetTypes = JSON.stringify(reader.getRows().map((r) => [r[0], r[1]]));
  } catch {
    return 'missing';
  }
  const newTypes = JSON.stringify((await conn.runAndReadAll(`DESCRIBE ${select}`)).getRows().map((r) => [r[0], r[1]]));
  if (newTypes !== targetTypes) return 'different';
  const diff = await scalar(conn, `SELECT count(*) FROM ((SELECT * FROM ${quotedTarget} EXCEPT ALL ${select}) UNION ALL (${select} EXCEPT ALL SELECT * FROM ${quotedTarget}))`);
  return diff === 0 ? 'equal' : 'different';
}
