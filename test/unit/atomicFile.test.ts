import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replaceFileAtomically, writeFileAtomic } from '../../src/shared/atomicFile';
import { writeCsvFileAtomic } from '../../src/warehouse/csv-file';

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'autoseg-atomic-test-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writeFileAtomic replaces the content, creates missing directories, leaves no temp file', () =>
  withDir(async (dir) => {
    const path = join(dir, 'a', 'b', 'out.json');
    await writeFileAtomic(path, 'old');
    await writeFileAtomic(path, 'new content');
    assert.equal(await readFile(path, 'utf8'), 'new content');
    assert.deepEqual(await readdir(join(dir, 'a', 'b')), ['out.json']);
  }));

test('a failing writer leaves the old file intact and removes its temp file', () =>
  withDir(async (dir) => {
    const path = join(dir, 'report.html');
    await writeFile(path, 'old');
    let tmpSeen = '';
    await assert.rejects(
      replaceFileAtomically(path, async (tmp) => {
        tmpSeen = tmp;
        await writeFile(tmp, 'half a fi');
        throw new Error('disk on fire');
      }),
      /disk on fire/,
    );
    assert.equal(await readFile(path, 'utf8'), 'old');
    assert.ok(tmpSeen.startsWith(dir), 'the temp file sits beside the target (same filesystem)');
    assert.deepEqual(await readdir(dir), ['report.html']);
  }));

test('a writer that fails before creating its temp file is reported as is', () =>
  withDir(async (dir) => {
    await assert.rejects(
      replaceFileAtomically(join(dir, 'x'), async () => {
        throw new Error('nope');
      }),
      /nope/,
    );
    assert.deepEqual(await readdir(dir), []);
  }));

test('mode and dirMode are applied whatever the umask', () =>
  withDir(async (dir) => {
    const old = process.umask(0o000);
    try {
      const path = join(dir, 'private', 'stage.bin');
      await writeFileAtomic(path, Buffer.from([1, 2, 3]), { mode: 0o600, dirMode: 0o700 });
      assert.equal((await stat(path)).mode & 0o777, 0o600);
      assert.equal((await stat(join(dir, 'private'))).mode & 0o777, 0o700);
      // Replacing a 0644 file gives the new mode too.
      const loose = join(dir, 'loose.txt');
      await writeFile(loose, 'x', { mode: 0o644 });
      await replaceFileAtomically(loose, (tmp) => writeFile(tmp, 'y'), { mode: 0o600 });
      assert.equal((await stat(loose)).mode & 0o777, 0o600);
      assert.equal(await readFile(loose, 'utf8'), 'y');
    } finally {
      process.umask(old);
    }
  }));

test('the CSV writer goes through the helper: complete file, no temp left, old file kept on a bad table', () =>
  withDir(async (dir) => {
    const path = join(dir, 'segments.csv');
    await writeCsvFileAtomic(path, { rowCount: 2, columns: [{ name: 'id', sqlType: 'varchar', values: ['a', 'b,c'] }] });
    assert.equal(await readFile(path, 'utf8'), 'id\na\n"b,c"\n');
    await assert.rejects(writeCsvFileAtomic(path, { rowCount: 3, columns: [{ name: 'id', sqlType: 'varchar', values: ['a'] }] }));
    assert.equal(await readFile(path, 'utf8'), 'id\na\n"b,c"\n');
    assert.deepEqual(await readdir(dir), ['segments.csv']);
  }));
