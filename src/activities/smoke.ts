/**
 * The smallest real slice of the pipeline, kept as `autoseg smoke`: it proves that a worker
 * reaches Trino and Temporal end to end. Extract account balances from a TPC-H customer table
 * in pages, compute one number per customer, write a table, return only small summaries.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { BasicAuth, Trino } from 'trino-client';

export interface SmokeInput { runId: string; sourceTable: string; targetTable: string; stageDir: string; trinoUrl: string }
interface BalanceRows { custkey: number[]; acctbal: number[] }

const IDENT = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){2}$/;

function trino(url: string): Trino {
  return Trino.create({ server: url, source: 'autoseg', auth: new BasicAuth('autoseg') });
}

async function run(client: Trino, sql: string, onPage?: (rows: unknown[][]) => void): Promise<void> {
  for await (const page of await client.query(sql)) {
    if (page.error) throw new Error(`Trino: ${page.error.message}`);
    if (page.data) onPage?.(page.data);
    Context.current().heartbeat();
  }
}

async function writeJsonAtomic(path: string, value: unknown): Promise<void> {
  await mkdir(join(path, '..'), { recursive: true });
  await writeFile(`${path}.tmp`, JSON.stringify(value));
  await rename(`${path}.tmp`, path);
}

export async function smokeExtract(input: SmokeInput): Promise<{ rows: number; ref: string }> {
  if (!IDENT.test(input.sourceTable)) throw new Error(`not a catalog.schema.table name: ${input.sourceTable}`);
  const rows: BalanceRows = { custkey: [], acctbal: [] };
  await run(trino(input.trinoUrl), `SELECT custkey, acctbal FROM ${input.sourceTable}`, (page) => {
    for (const r of page) {
      rows.custkey.push(Number(r[0]));
      rows.acctbal.push(Number(r[1]));
    }
  });
  const ref = join(input.stageDir, input.runId, 'extract.json');
  await writeJsonAtomic(ref, rows);
  return { rows: rows.custkey.length, ref };
}

/** Min-max scales the balance to [0, 1]: the one number per customer. */
export async function smokeScore(input: { ref: string }): Promise<{ rows: number; min: number; max: number; ref: string }> {
  const rows = JSON.parse(await readFile(input.ref, 'utf8')) as BalanceRows;
  const min = Math.min(...rows.acctbal);
  const max = Math.max(...rows.acctbal);
  const score = rows.acctbal.map((v) => (max > min ? (v - min) / (max - min) : 0));
  const ref = input.ref.replace(/extract\.json$/, 'score.json');
  await writeJsonAtomic(ref, { custkey: rows.custkey, score });
  return { rows: score.length, min, max, ref };
}

/** Writes a staging table, then swaps it in under the target name; a retry starts the staging table over. */
export async function smokeWrite(input: SmokeInput & { ref: string }): Promise<{ rows: number }> {
  if (!IDENT.test(input.targetTable)) throw new Error(`not a catalog.schema.table name: ${input.targetTable}`);
  const { custkey, score } = JSON.parse(await readFile(input.ref, 'utf8')) as { custkey: number[]; score: number[] };
  const client = trino(input.trinoUrl);
  const staging = `${input.targetTable}__${input.runId.replace(/[^A-Za-z0-9]/g, '_')}`;
  await run(client, `DROP TABLE IF EXISTS ${staging}`);
  await run(client, `CREATE TABLE ${staging} (custkey BIGINT, score DOUBLE)`);
  for (let i = 0; i < custkey.length; i += 1000) {
    const values = custkey.slice(i, i + 1000).map((k, j) => `(${k}, ${score[i + j]})`).join(',');
    await run(client, `INSERT INTO ${staging} VALUES ${values}`);
  }
  await run(client, `DROP TABLE IF EXISTS ${input.targetTable}`);
  await run(client, `ALTER TABLE ${staging} RENAME TO ${input.targetTable}`);
  return { rows: custkey.length };
}
