/** The warehouse layer's public surface. */
export * from './warehouse';
export { SupersededRunError, WarehouseInputError, WarehouseUnavailableError, isRetryableWarehouseError, type WarehouseInputCode } from './errors';
export { checkIdentifier, quoteIdentifier, parseTableRef } from './identifiers';
export { TrinoWarehouse } from './trino';
export type { RunOutputs, RunWriteOptions, RunWriteResult } from './trino-run-write';
export { resolveTrinoConfig, type TrinoConfig } from './trino-connection';
export { DuckDBWarehouse, type DuckDBConfig } from './duckdb';
export { writeCsvFileAtomic } from './csv-file';
