/**
 * Pre-flight for an output table, run before any compute so that a run that could never write
 * its result fails in seconds, naming the table and the fix: a bad name, a missing catalog or
 * schema, or a catalog that cannot create tables (a read-only connector such as tpch).
 *
 * Three statements: the schema lookup, then a tiny probe table `<t>__autoseg_probe_<random>`
 * created and dropped in the target's schema (the only reliable test of "accepts CREATE TABLE":
 * connectors and access control decide it, not metadata).
 */
import { randomBytes } from 'node:crypto';
import { WarehouseInputError } from './errors';
import { quoteIdentifier, quoteTableRef, tableName, withTableName, type TableRef } from './identifiers';
import type { TrinoConnection } from './trino-connection';
import { stringLiteral } from './trino-write';

/** Room for the longest derived name: `<t>_model__stage_<run tag>` (identifiers.runTag: at most 43 characters). */
const MAX_TARGET_NAME = 128 - '_model__stage_'.length - 43;

export async function checkTrinoWritable(conn: TrinoConnection, target: string, resolve: (t: string) => TableRef): Promise<void> {
  let ref: TableRef;
  try {
    ref = resolve(target);
  } catch (err) {
    if (err instanceof WarehouseInputError) {
      throw new WarehouseInputError(err.code, `cannot write the output table ${target}: ${err.message}`, { table: target });
    }
    throw err;
  }
  const [catalog, schema] = ref.parts;
  const name = ref.parts.join('.');
  const fail = (code: WarehouseInputError['code'], why: string): never => {
    throw new WarehouseInputError(code, `cannot write the output table ${name}: ${why}`, { table: name });
  };
  if (tableName(ref).length > MAX_TARGET_NAME) fail('INVALID_IDENTIFIER', `its name is longer than ${MAX_TARGET_NAME} characters; choose a shorter name`);

  let schemas: unknown[][];
  try {
    ({ rows: schemas } = await conn.execute(`SELECT count(*) FROM ${quoteIdentifier(catalog)}.information_schema.schemata WHERE schema_name = ${stringLiteral(schema)}`));
  } catch (err) {
    if (err instanceof WarehouseInputError && err.code === 'CATALOG_NOT_FOUND') {
      fail('CATALOG_NOT_FOUND', `catalog ${catalog} does not exist on this Trino (SHOW CATALOGS lists them); use a writable catalog such as memory, iceberg or delta`);
    }
    throw err;
  }
  if (Number(schemas[0]?.[0] ?? 0) === 0) {
    fail('SCHEMA_NOT_FOUND', `schema ${catalog}.${schema} does not exist; create it (CREATE SCHEMA ${catalog}.${schema}) or choose another schema`);
  }

  const probe = withTableName(ref, `${tableName(ref)}__autoseg_probe_${randomBytes(4).toString('hex')}`);
  try {
    await conn.execute(`CREATE TABLE ${quoteTableRef(probe)} AS SELECT 1 AS autoseg_probe`);
  } catch (err) {
    if (err instanceof WarehouseInputError) {
      const trino = (err as { trinoErrorName?: string }).trinoErrorName;
      const denied = err.code === 'PERMISSION_DENIED' || trino === 'NOT_SUPPORTED' || trino === 'PERMISSION_DENIED';
      fail(
        'PERMISSION_DENIED',
        denied
          ? `catalog ${catalog} does not accept CREATE TABLE (${err.message}); it is read-only (like tpch) or not writable by this user: write to a writable catalog such as memory, iceberg or delta`
          : `a test CREATE TABLE in ${catalog}.${schema} failed: ${err.message}`,
      );
    }
    throw err;
  }
  await conn.execute(`DROP TABLE IF EXISTS ${quoteTableRef(probe)}`);
}
