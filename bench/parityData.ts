/**
 * The real-data matrices of `npm run bench:parity`, engineered exactly as the pipeline does
 * (scan -> sortByUserId -> engineerFeatures with default options):
 *  - the shipped example examples/customers.csv (5,000 customers), read with DuckDBWarehouse,
 *    user id td_canonical_id;
 *  - TPC-H `customer` joined with per-customer order aggregates of tpch.sf1 (150,000 customers,
 *    test/helpers/tpch.ts), built in and scanned from a real Trino started here (and stopped at
 *    the end), user id custkey.
 * Each matrix is also written with matrixFile.ts under `outDir` (the exchange format).
 * AUTOSEG_PARITY_REAL=0 skips both (e.g. without Java for Trino).
 */
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTrino } from '../scripts/services/trino';
import { engineerFeatures } from '../src/segmentation/engineer';
import type { Matrix } from '../src/segmentation/matrix';
import { sortByUserId } from '../src/segmentation/rowOrder';
import type { ColumnarTable } from '../src/segmentation/table';
import { DuckDBWarehouse } from '../src/warehouse/duckdb';
import { TrinoWarehouse } from '../src/warehouse/trino';
import { buildTpchCustomers } from '../test/helpers/tpch';
import { writeMatrixFile } from './matrixFile';

export interface RealDataSet {
  readonly name: string;
  readonly m: Matrix;
  readonly columns: readonly string[];
}

function engineered(name: string, table: ColumnarTable, userId: string, outDir: string): RealDataSet {
  const f = engineerFeatures(sortByUserId(table, userId), { userId });
  const columns = f.featureColumns.map((c) => c.name);
  writeMatrixFile(join(outDir, name.replace(/[^a-z0-9]+/gi, '-')), f.matrix, { name, columns });
  return { name, m: f.matrix, columns };
}

export async function exampleCustomers(outDir: string): Promise<RealDataSet> {
  const wh = new DuckDBWarehouse();
  try {
    const table = await wh.scan({ kind: 'file', path: resolve(__dirname, '../examples/customers.csv') }, { userId: 'td_canonical_id' });
    return engineered('example customers.csv', table, 'td_canonical_id', outDir);
  } finally {
    await wh.close();
  }
}

export async function tpchCustomers(workDir: string, outDir: string): Promise<RealDataSet> {
  const trino = await startTrino(join(workDir, 'trino'));
  const before = process.env.TRINO_URL;
  try {
    process.env.TRINO_URL = trino.url;
    const target = 'memory.default.parity_tpch_customers';
    const rows = await buildTpchCustomers(target);
    const wh = new TrinoWarehouse({ server: trino.url, user: 'autoseg-bench' });
    try {
      const table = await wh.scan({ kind: 'table', table: target }, { userId: 'custkey' });
      if (table.rowCount !== rows) throw new Error(`scanned ${table.rowCount} rows of ${rows}`);
      return engineered('TPC-H sf1 customers (Trino)', table, 'custkey', outDir);
    } finally {
      await wh.close();
    }
  } finally {
    if (before === undefined) delete process.env.TRINO_URL;
    else process.env.TRINO_URL = before;
    await trino.stop();
  }
}

/** Both real data sets (unless AUTOSEG_PARITY_REAL=0). */
export async function realDataSets(workDir: string): Promise<RealDataSet[]> {
  if (process.env.AUTOSEG_PARITY_REAL === '0') return [];
  const outDir = join(workDir, 'real');
  mkdirSync(outDir, { recursive: true });
  const out = [await exampleCustomers(outDir)];
  console.error(`parity: ${out[0].name}: ${out[0].m.rows} x ${out[0].m.cols}`);
  out.push(await tpchCustomers(workDir, outDir));
  console.error(`parity: ${out[1].name}: ${out[1].m.rows} x ${out[1].m.cols}`);
  return out;
}
