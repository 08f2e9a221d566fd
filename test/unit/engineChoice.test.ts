import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chooseEngine, needsRowCount } from '../../src/config/engine';
import { parseRunConfig, type RunConfigInput } from '../../src/config/runConfig';

const table = { kind: 'table', table: 'memory.default.customers' } as const;
const out = { kind: 'table', table: 'memory.default.segments' } as const;
const cfg = (extra: Partial<RunConfigInput>) => parseRunConfig({ source: table, output: out, userId: 'id', ...extra });

test('auto: pushdown only above the threshold, and only when source and output are both Trino', () => {
  assert.equal(cfg({}).engine, 'auto');
  assert.equal(cfg({}).engineThreshold, 1_000_000);
  assert.equal(cfg({}).trainingSampleSize, 200_000);
  assert.equal(chooseEngine(cfg({}), 1_000_001).mode, 'trino');
  assert.equal(chooseEngine(cfg({}), 1_000_000).mode, 'worker');
  assert.match(chooseEngine(cfg({ engineThreshold: 10 }), 11).reason, /11 rows, more than the threshold 10/);
  const file = cfg({ source: { kind: 'file', path: '/data/c.csv' } });
  assert.equal(needsRowCount(file), false);
  assert.deepEqual(chooseEngine(file, null), { mode: 'worker', reason: 'auto: the source is the file /data/c.csv, so the rows go through the worker', sourceRows: null });
  const dir = cfg({ output: { kind: 'dir', dir: '/out' } });
  assert.equal(chooseEngine(dir, null).mode, 'worker');
  assert.match(chooseEngine(dir, null).reason, /output is the directory \/out/);
  assert.equal(needsRowCount(cfg({ engine: 'worker' })), false);
  assert.equal(chooseEngine(cfg({ engine: 'worker' }), null).mode, 'worker');
  assert.equal(chooseEngine(cfg({ engine: 'trino' }), 5).mode, 'trino');
});

test('engine trino where pushdown is impossible is refused when the config is parsed, naming why', () => {
  assert.throws(() => cfg({ engine: 'trino', source: { kind: 'file', path: '/tmp/x.csv' } }), /engine: trino \(pushdown\) needs a Trino source and a Trino output table, but the source is a file/);
  assert.throws(() => cfg({ engine: 'trino', output: { kind: 'dir', dir: '/tmp/o' } }), /but the output is a directory/);
  assert.throws(() => cfg({ engine: 'gpu' as never }), /engine/);
  assert.throws(() => cfg({ trainingSampleSize: 1 }), /trainingSampleSize/);
});
