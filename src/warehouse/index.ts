/** The warehouse layer's public surface. */
export * from './warehouse';
export { SupersededRunError, WarehouseInputError, WarehouseUnavailableError, isRetryableWarehouseError, type WarehouseInputCode } from './errors';
export { checkIdentifier, quoteIdentifier, parseTableRef } from './identifiers';
export { TrinoWarehouse } from './trino';
export type { RunOutputs, RunWriteOptions, RunWriteResult } from './trino-run-write';
export { resolveTrinoConfig, type TrinoConfig } from './trino-connection';
export { DuckDBWarehouse, type DuckDBConfig } from './duckdb';
export { writeCsvFileAtomic } from './csv-file';

import { DuckDBWarehouse, type DuckDBConfig } from './duckdb';
import { TrinoWarehouse } from './trino';
import type { TrinoConfig } from './trino-connection';
import type { Warehouse } from './warehouse';

export type WarehouseConfig = ({ readonly kind: 'trino' } & TrinoConfig) | ({ readonly kind: 'duckdb' } & DuckDBConfig);

export function openWarehouse(config: WarehouseConfig): Warehouse {
  return config.kind === 'trino' ? new TrinoWarehouse(config) : new DuckDBWarehouse(config);
}
