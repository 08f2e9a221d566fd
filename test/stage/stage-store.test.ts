import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmod, chown, lchown, mkdir, mkdtemp, readdir, rm, stat, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StageStore, StageNotFoundError, StageDirError, StageLayoutError, STAGE_LAYOUT_VERSION, defaultStageDir } from '../../src/stage';
import { writeContainer } from '../../src/stage/container';
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

test('string columns round-trip in each stored form: integers (with nulls), a dictionary, plain; putStrings too', () =>
  withStore(async (store) => {
    const cases: Record<string, (string | null)[]> = {
      integers: ['0', '42', null, '999999999999999', '7'],
      notCanonical: ['007', '1', '2', '3', '4'], // a leading zero must survive: stored as text
      dict: ['a', 'b', 'a', null, 'a', 'b', 'a'],
      plain: ['x1', 'x2', 'x3', null, 'x1', 'é"\n'],
    };
    for (const [name, values] of Object.entries(cases)) {
      const table: ColumnarTable = { name, rowCount: values.length, columns: [{ name: 'c', kind: 'categorical', values }] };
      await store.putTable('r', name, table);
      assert.deepEqual(await store.getTable('r', name), table, name);
      await store.putStrings('r', `${name}-ids`, values);
      assert.deepEqual(await store.getStrings('r', `${name}-ids`), values, name);
    }
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

test('getMatrix reads the values into the array the caller allocates for the shape', () =>
  withStore(async (store) => {
    const data = new Float64Array(4 * 3).map((_, i) => i / 7);
    await store.putMatrix('r', 'features', { rows: 4, cols: 3, data });
    const arena = new Float64Array(20).fill(-1);
    const shapes: number[][] = [];
    const m = await store.getMatrix('r', 'features', (rows, cols) => (shapes.push([rows, cols]), arena.subarray(5, 5 + rows * cols)));
    assert.deepEqual(shapes, [[4, 3]]);
    assert.equal(m.data.buffer, arena.buffer, 'the values live in the given array');
    assert.deepEqual(Array.from(m.data), Array.from(data));
    assert.deepEqual(Array.from(arena.subarray(0, 5)), [-1, -1, -1, -1, -1], 'nothing written before it');
    assert.deepEqual(Array.from(arena.subarray(17)), [-1, -1, -1], 'nor after it');
    await assert.rejects(
      store.getMatrix('r', 'features', () => new Float64Array(11)),
      /segment 0 of .* has 96 bytes, its place 88/,
    );
  }));

test('getMatrixRows reads the chosen rows in the given order, across read chunks, without the rest', () =>
  withStore(async (store) => {
    const rows = 500;
    const cols = 1000; // 8 KB rows: 128 to a 1 MB read chunk, so the picks below span four chunks
    const data = new Float64Array(rows * cols).map((_, i) => i);
    await store.putMatrix('r', 'm', { rows, cols, data });
    const pick = Int32Array.from([499, 0, 128, 127, 0, 250, 383, 384]);
    const shapes: number[][] = [];
    const m = await store.getMatrixRows('r', 'm', (n, d) => (shapes.push([n, d]), pick));
    assert.deepEqual(shapes, [[rows, cols]]);
    assert.equal(m.rows, pick.length);
    assert.equal(m.cols, cols);
    for (const [q, r] of pick.entries()) assert.deepEqual(Array.from(m.data.subarray(q * cols, (q + 1) * cols)), Array.from(data.subarray(r * cols, (r + 1) * cols)), `pick ${q} (row ${r})`);
    assert.deepEqual(await store.getMatrixRows('r', 'm', () => undefined), { rows, cols, data }, 'undefined: every row');
    await assert.rejects(
      store.getMatrixRows('r', 'm', () => Int32Array.from([3, 500])),
      /row 500 is outside the 500 rows/,
    );
    await assert.rejects(
      store.getMatrixRows('r', 'absent', () => undefined),
      StageNotFoundError,
    );
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
    assert.deepEqual(files.sort(), ['_layout.json.bin', 'labels.labels.bin']);
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

test('a run whose stage data another layout wrote fails clearly, naming both versions; an unversioned one is read as is', () =>
  withStore(async (store, dir) => {
    await store.putJson('run-a', 'fit', { k: 3 });
    const layoutFile = store.pathOf('run-a', '_layout', 'json');
    // A worker of another layout version meets the run: both its reads and its writes refuse.
    await writeContainer(layoutFile, {}, [Buffer.from(JSON.stringify({ version: STAGE_LAYOUT_VERSION - 1 }), 'utf8')]);
    const other = new StageStore(dir);
    const refused = (e: unknown) =>
      e instanceof StageLayoutError &&
      e.found === STAGE_LAYOUT_VERSION - 1 &&
      e.expected === STAGE_LAYOUT_VERSION &&
      new RegExp(`run-a .*v${STAGE_LAYOUT_VERSION - 1}.*v${STAGE_LAYOUT_VERSION}`).test(e.message);
    await assert.rejects(other.getJson('run-a', 'fit'), refused);
    await assert.rejects(other.putJson('run-a', 'explain', {}), refused);
    // A run directory from before layout versions (no file): read as is.
    await rm(layoutFile);
    assert.deepEqual(await new StageStore(dir).getJson('run-a', 'fit'), { k: 3 });
    // A new run records the current version.
    await store.putJson('run-b', 'fit', { k: 4 });
    assert.deepEqual(await new StageStore(dir).getJson('run-b', 'fit'), { k: 4 });
    assert.equal(await store.has('run-b', '_layout', 'json'), true);
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

test('default directory honours AUTOSEG_STAGE_DIR, else is per user', () => {
  assert.equal(defaultStageDir({ AUTOSEG_STAGE_DIR: '/x/y' }), '/x/y');
  assert.equal(defaultStageDir({ AUTOSEG_STAGE_DIR: '' }), defaultStageDir({}));
  const uid = process.getuid?.();
  if (uid !== undefined) assert.equal(defaultStageDir({}), join(tmpdir(), `autoseg-stage-${uid}`));
  else assert.match(defaultStageDir({}), /autoseg-stage-.+$/);
});

const modeOf = async (p: string): Promise<number> => (await stat(p)).mode & 0o777;

test('stage data is private: directories 0700 and files 0600, also under a given directory and a loose umask', async () => {
  const parent = await mkdtemp(join(tmpdir(), 'autoseg-stage-test-'));
  const oldMask = process.umask(0o000);
  try {
    const dir = join(parent, 'nested', 'stage');
    const store = new StageStore(dir);
    await store.putTable('run/1', 'extract', table);
    await store.putJson('run/1', 'dictionary', { a: 1 });
    assert.equal(await modeOf(dir), 0o700);
    assert.equal(await modeOf(join(parent, 'nested')), 0o700, 'directories created on the way too');
    const runDir = join(dir, (await readdir(dir))[0]);
    assert.equal(await modeOf(runDir), 0o700);
    for (const f of await readdir(runDir)) assert.equal(await modeOf(join(runDir, f)), 0o600, f);
    assert.deepEqual(await store.getJson('run/1', 'dictionary'), { a: 1 });
  } finally {
    process.umask(oldMask);
    await rm(parent, { recursive: true, force: true });
  }
});

test('an existing directory of ours with loose permissions is tightened to 0700, its old run directories too', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'autoseg-stage-test-'));
  try {
    await chmod(dir, 0o777);
    await mkdir(join(dir, 'old-run'));
    await chmod(join(dir, 'old-run'), 0o755);
    const store = new StageStore(dir);
    await store.putJson('old-run', 'k', 1);
    assert.equal(await modeOf(dir), 0o700);
    assert.equal(await modeOf(join(dir, 'old-run')), 0o700);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

const asRoot = process.getuid?.() === 0;

test('a directory owned by another user is refused, for writes and reads, and left untouched', { skip: !asRoot && 'needs root to chown' }, async () => {
  const parent = await mkdtemp(join(tmpdir(), 'autoseg-stage-test-'));
  try {
    const dir = join(parent, 'foreign');
    await mkdir(dir, { mode: 0o777 });
    await chmod(dir, 0o777);
    await chown(dir, 65534, 65534);
    const store = new StageStore(dir);
    await assert.rejects(store.putJson('r', 'k', 1), (e) => e instanceof StageDirError && /belongs to uid 65534/.test(e.message) && /AUTOSEG_STAGE_DIR/.test(e.message));
    await assert.rejects(store.getJson('r', 'k'), StageDirError);
    assert.deepEqual(await readdir(dir), [], 'nothing written');
    assert.equal(await modeOf(dir), 0o777, 'not ours to chmod');
    // A symlink planted by another user, pointing at a directory of ours, is refused too.
    const mine = join(parent, 'mine');
    await mkdir(mine);
    const link = join(parent, 'planted');
    await symlink(mine, link);
    await lchown(link, 65534, 65534);
    await assert.rejects(new StageStore(link).putJson('r', 'k', 1), (e) => e instanceof StageDirError && /symlink/.test(e.message));
    assert.deepEqual(await readdir(mine), []);
  } finally {
    await rm(parent, { recursive: true, force: true });
  }
});

test('list() gives the run ids present, unescaped', () =>
  withStore(async (store, dir) => {
    assert.deepEqual(await store.list(), []);
    await store.putJson('autoseg-a/b:c', 'k', 1);
    await store.putJson('autoseg-~x', 'k', 1);
    await store.putJson('plain', 'k', 1);
    await mkdir(join(dir, '.not-a-run'));
    assert.deepEqual(await store.list(), ['autoseg-a/b:c', 'autoseg-~x', 'plain']);
    await store.remove('plain');
    assert.deepEqual(await store.list(), ['autoseg-a/b:c', 'autoseg-~x']);
    assert.deepEqual(await new StageStore(join(dir, 'missing')).list(), []);
  }));
