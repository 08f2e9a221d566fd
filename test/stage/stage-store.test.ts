import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageStore, StageNotFoundError, defaultStageDir } from '../../src/stage';
import type { ColumnarTable } from '../../src/segmentation/table';

async function withStore(fn: (store: StageStore, dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'autoseg-stage-test-'));
  try {
    await fn(new StageStore(dir), dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const table: ColumnarTable = {
  name: 'memory.default.customers',
  rowCount: 4,
  columns: [
    { name: 'id', kind: 'categorical', sourceType: 'bigint', values: ['9007199254740993', '2', '3', '4'] },
    { name: 'spend', kind: 'numeric', sourceType: 'double', values: Float64Array.from([1.5, 0, -2.25, 1e300]), nulls: Uint8Array.from([0, 1, 0, 0]) },
    { name: 'tier', kind: 'categorical', values: ['gold', null, 'gold', 'émeraude "q" \u2028'] },
  ],
};

test('a ColumnarTable round-trips exactly, including nulls, sourceType and unicode', () =>
  withStore(async (store) => {
    await store.putTable('run-1', 'extract', table);
    const back = await store.getTable('run-1', 'extract');
    assert.deepEqual(back, table);
    assert.ok(back.columns[1].kind === 'numeric' && back.columns[1].values instanceof Float64Array);
  }));

test('matrix, labels and JSON round-trip', () =>
  withStore(async (store) => {
    const data = new Float64Array(3 * 2).map((_, i) => i / 7);
    await store.putMatrix('r', 'features', { rows: 3, cols: 2, data });
    assert.deepEqual(await store.getMatrix('r', 'features'), { rows: 3, cols: 2, data });
    const labels = Int32Array.from([0, 2, 1, -1]);
    await store.putLabels('r', 'labels', labels);
    assert.deepEqual(await store.getLabels('r', 'labels'), labels);
    await store.putJson('r', 'dictionary', { a: [1, 'x'], b: null });
    assert.deepEqual(await store.getJson('r', 'dictionary'), { a: [1, 'x'], b: null });
  }));

test('keyed by run and stage: runs and stages do not collide; run ids with path characters are safe', () =>
  withStore(async (store, dir) => {
    await store.putJson('a/b:c', 'k', 1);
    await store.putJson('a_b_c', 'k', 2);
    await store.putJson('a/b:c', 'k2', 3);
    await store.putJson('..', 'k', 4);
    assert.equal(await store.getJson('a/b:c', 'k'), 1);
    assert.equal(await store.getJson('a_b_c', 'k'), 2);
    assert.equal(await store.getJson('a/b:c', 'k2'), 3);
    assert.equal(await store.getJson('..', 'k'), 4);
    assert.equal((await readdir(dir)).length, 3, 'every run in its own directory inside the store');
    await assert.rejects(store.putJson('r', '../escape', 1), /stage name/);
  }));

test('overwrite is atomic: a concurrent reader sees the old or the new value, and no temp files remain', () =>
  withStore(async (store, dir) => {
    const big = (v: number): Int32Array => new Int32Array(1_000_000).fill(v);
    await store.putLabels('r', 'labels', big(1));
    let stop = false;
    const seen = new Set<number>();
    const reader = (async () => {
      while (!stop) {
        const l = await store.getLabels('r', 'labels');
        assert.equal(l.length, 1_000_000);
        assert.equal(l[0], l[l.length - 1], 'never a torn file');
        seen.add(l[0]);
      }
    })();
    for (let v = 2; v <= 6; v++) await store.putLabels('r', 'labels', big(v));
    stop = true;
    await reader;
    assert.equal((await store.getLabels('r', 'labels'))[0], 6);
    for (const v of seen) assert.ok(v >= 1 && v <= 6);
    const files = await readdir(join(dir, 'r'));
    assert.deepEqual(files, ['labels.labels.bin']);
  }));

test('missing stages fail with StageNotFoundError; has() and remove() work', () =>
  withStore(async (store) => {
    await assert.rejects(store.getTable('nope', 'extract'), (e) => e instanceof StageNotFoundError && /extract of run nope/.test(e.message));
    assert.equal(await store.has('r', 'm', 'matrix'), false);
    await store.putMatrix('r', 'm', { rows: 1, cols: 1, data: Float64Array.of(1) });
    assert.equal(await store.has('r', 'm', 'matrix'), true);
    await store.remove('r');
    assert.equal(await store.has('r', 'm', 'matrix'), false);
    await store.remove('r'); // idempotent
  }));

test('1M x 30 matrix writes and reads fast as raw bytes', () =>
  withStore(async (store) => {
    const m = { rows: 1_000_000, cols: 30, data: new Float64Array(30_000_000).map((_, i) => i) };
    const t0 = performance.now();
    await store.putMatrix('r', 'big', m);
    const back = await store.getMatrix('r', 'big');
    const ms = performance.now() - t0;
    assert.equal(back.data[29_999_999], 29_999_999);
    assert.ok(ms < 10_000, `round trip took ${ms} ms`);
  }));

test('default directory honours AUTOSEG_STAGE_DIR', () => {
  assert.equal(defaultStageDir({ AUTOSEG_STAGE_DIR: '/x/y' }), '/x/y');
  assert.equal(defaultStageDir({}), join(tmpdir(), 'autoseg-stage'));
});
