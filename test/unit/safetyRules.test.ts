import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunConfigError, parseRunConfig } from '../../src/config/runConfig';
import { checkOutputDir, confinePath, fileAccessFromEnv, FileAccessError, OUTPUT_MARKER, ANY_FILE } from '../../src/config/fileAccess';
import { redact } from '../../src/shared/redact';
import { checkSourceFile } from '../../src/warehouse/file-check';
import { previousCentroids } from '../../src/activities/previous';

const base = { source: { kind: 'table', table: 'memory.default.c' }, output: { kind: 'table', table: 'memory.default.s' }, userId: 'id' } as const;

test('seeds outside 0..2^32-1 are refused instead of silently aliasing', () => {
  for (const seed of [-1, 2 ** 32, 2 ** 32 + 1, 1.5]) {
    assert.throws(
      () => parseRunConfig({ ...base, seed }),
      (e) => e instanceof RunConfigError && /seed/.test(e.message),
      `seed ${seed}`,
    );
  }
  assert.equal(parseRunConfig({ ...base, seed: 0 }).seed, 0);
  assert.equal(parseRunConfig({ ...base, seed: 2 ** 32 - 1 }).seed, 2 ** 32 - 1);
});

test('the run deadline defaults to six hours and is bounded', () => {
  assert.equal(parseRunConfig(base).deadlineMinutes, 360);
  assert.throws(() => parseRunConfig({ ...base, deadlineMinutes: 0 }), /deadlineMinutes/);
});

test('redact masks URL passwords and secret env values, keeps the rest', () => {
  const env = { TRINO_URL: 'http://autoseg:Sup3r%2Fsecret@trino:8080', TRINO_PASSWORD: 'pw-from-env-123', AUTOSEG_TRIGGER_TOKEN: 'token-0123456789abcdef' };
  const text = 'Trino at http://autoseg:Sup3r%2Fsecret@trino:8080 failed; password Sup3r/secret, pw-from-env-123, token-0123456789abcdef';
  const out = redact(text, env);
  assert.doesNotMatch(out, /Sup3r|pw-from-env|token-0123/);
  assert.match(out, /Trino at http:\/\/autoseg:\*\*\*@trino:8080 failed/);
  assert.equal(redact('nothing secret here', env), 'nothing secret here');
});

test('file access: no roots refuses everything; roots allow only what lies under them after symlinks', async () => {
  const top = mkdtempSync(join(tmpdir(), 'autoseg-roots-'));
  const root = join(top, 'allowed');
  mkdirSync(root);
  writeFileSync(join(root, 'ok.csv'), 'id,a\n1,2\n');
  writeFileSync(join(top, 'secret.csv'), 'id,a\n1,2\n');
  symlinkSync(join(top, 'secret.csv'), join(root, 'link.csv'));
  symlinkSync(top, join(root, 'up'));
  const none = fileAccessFromEnv({});
  await assert.rejects(confinePath(join(root, 'ok.csv'), none, 'source file'), (e) => e instanceof FileAccessError && /AUTOSEG_FILE_ROOTS/.test(e.message));
  const roots = fileAccessFromEnv({ AUTOSEG_FILE_ROOTS: root });
  assert.equal(await confinePath(join(root, 'ok.csv'), roots, 'source file'), join(root, 'ok.csv'));
  for (const bad of ['/etc/passwd', '/', join(root, 'link.csv'), join(root, '..', 'secret.csv'), join(root, 'up', 'secret.csv'), join(root, 'new', '..', '..', 'x'), 'relative.csv']) {
    await assert.rejects(confinePath(bad, roots, 'source file'), (e) => e instanceof FileAccessError && e.message.includes(bad), bad);
  }
  // A directory that does not exist yet, under a root: allowed (it will be created there).
  assert.equal(await confinePath(join(root, 'out', 'nightly'), roots, 'output directory'), join(root, 'out', 'nightly'));
  assert.equal(await confinePath('/etc/passwd', ANY_FILE, 'source file'), '/etc/passwd');
});

test("an output directory must be new, empty, or autoseg's own", async () => {
  const top = mkdtempSync(join(tmpdir(), 'autoseg-outdir-'));
  await checkOutputDir(join(top, 'new'));
  await checkOutputDir(top);
  mkdirSync(join(top, 'own'));
  writeFileSync(join(top, 'own', OUTPUT_MARKER), '{}');
  writeFileSync(join(top, 'own', 'notes.txt'), 'kept by the user');
  await checkOutputDir(join(top, 'own'));
  mkdirSync(join(top, 'legacy'));
  writeFileSync(join(top, 'legacy', 'segments.csv'), 'id,segment\n');
  writeFileSync(join(top, 'legacy', 'summary.json'), '{}');
  await checkOutputDir(join(top, 'legacy'));
  mkdirSync(join(top, 'foreign'));
  writeFileSync(join(top, 'foreign', 'payroll.xlsx'), 'x');
  writeFileSync(join(top, 'foreign', 'summary.json'), '{}');
  await assert.rejects(checkOutputDir(join(top, 'foreign')), (e) => e instanceof FileAccessError && /payroll\.xlsx/.test(e.message));
});

test('an empty, ragged, missing or directory source file is named with its problem', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-files-'));
  const f = (name: string, text: string) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  };
  await assert.rejects(checkSourceFile(f('empty.csv', '')), (e: Error) => e.name === 'WarehouseInputError' && /empty\.csv is empty/.test(e.message));
  await assert.rejects(checkSourceFile(f('ragged.csv', 'id,a,b\n1,2,3\n2,3\n')), (e: Error) => /ragged\.csv is ragged: line 3 has 2 fields but the header has 3/.test(e.message));
  await assert.rejects(checkSourceFile(join(dir, 'missing.csv')), (e: Error) => /missing\.csv does not exist/.test(e.message));
  await assert.rejects(checkSourceFile(dir), (e: Error) => /is not a file/.test(e.message));
  await checkSourceFile(f('quoted.csv', 'id,note\n1,"a, b"\n2,"line\nbreak"\n3,\n'));
  await checkSourceFile(f('noeol.csv', 'id,a\n1,2'));
});

test('a corrupt previous model is named, not retried', () => {
  assert.throws(
    () => previousCentroids('{"featureColumns": [', '/out/model.json'),
    (e: Error) => e.name === 'PreviousOutputError' && /\/out\/model\.json is not valid JSON/.test(e.message),
  );
  assert.throws(
    () => previousCentroids('{"hello": 1}', '/out/model.json'),
    (e: Error) => /\/out\/model\.json is not an autoseg model/.test(e.message),
  );
  assert.deepEqual(previousCentroids('{"featureColumns":[{"name":"a"}],"centroids":[[1],[2]]}'), { columns: ['a'], centroids: [[1], [2]] });
  assert.equal(previousCentroids(null), null);
});
