import { test } from 'node:test';
import assert from 'node:assert/strict';
import { trinoQueryError } from '../../src/warehouse/trino-connection';
import { WarehouseInputError, WarehouseUnavailableError } from '../../src/warehouse/errors';

const failed = (errorName: string, errorType: string) => ({ errorName, errorType, message: 'Query exceeded per-node memory limit of 2GB', errorCode: 1 }) as never;

test('a per-query memory limit is final (the same query hits it again), with what to change; an overloaded cluster is transient', () => {
  const limit = trinoQueryError(failed('EXCEEDED_LOCAL_MEMORY_LIMIT', 'INSUFFICIENT_RESOURCES'), 'SELECT count(DISTINCT comment) FROM t');
  assert.ok(limit instanceof WarehouseInputError);
  assert.equal(limit.code, 'QUERY_TOO_LARGE');
  assert.match(limit.message, /EXCEEDED_LOCAL_MEMORY_LIMIT.*query\.max-memory-per-node/);
  const busy = trinoQueryError(failed('CLUSTER_OUT_OF_MEMORY', 'INSUFFICIENT_RESOURCES'), 'SELECT 1');
  assert.ok(busy instanceof WarehouseUnavailableError);
});
