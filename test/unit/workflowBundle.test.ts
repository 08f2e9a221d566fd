import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { workflowBundle } from '../../src/embedded/workflowBundle';

test('the workflow bundle is built once into a private cache file, then read from it; an empty cache file is rebuilt', async () => {
  const cache = await mkdtemp(join(tmpdir(), 'autoseg-bundle-'));
  const before = process.env.AUTOSEG_CACHE;
  process.env.AUTOSEG_CACHE = cache;
  try {
    const first = await workflowBundle();
    assert.match(first.code, /segmentationWorkflow/);
    const dir = join(cache, 'workflow-bundles');
    const files = await readdir(dir);
    assert.equal(files.length, 1);
    const file = join(dir, files[0]);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    await writeFile(file, '// served from the cache\n' + first.code);
    assert.match((await workflowBundle()).code, /^\/\/ served from the cache/);
    await writeFile(file, '');
    assert.equal((await workflowBundle()).code, first.code);
  } finally {
    if (before === undefined) delete process.env.AUTOSEG_CACHE;
    else process.env.AUTOSEG_CACHE = before;
    await rm(cache, { recursive: true, force: true });
  }
});
