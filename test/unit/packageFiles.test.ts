/**
 * What `npm pack` ships (package.json `files`): the `autoseg` command and the library, and
 * nothing a user does not need (tests, benches, their data and results, CI, dev scripts, the
 * Docker deployment). Packed from a scratch copy of the checkout's files (tracked and untracked,
 * not ignored) plus a stand-in for `npm run build`'s dist/, so the answer depends neither on
 * whether dist/ was built here nor on stray local files.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');

interface PackageJson {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
}

const norm = (p: string) => p.replace(/^\.\//, '');

test('npm pack ships the bin, the library entries and what they load at run time, and no tests, benches, data or tooling', { timeout: 120_000 }, () => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as PackageJson;
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-pack-'));
  try {
    const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 })
      .split('\0')
      .filter((f) => f !== '' && !f.startsWith('node_modules/'));
    for (const f of files) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      try {
        copyFileSync(join(root, f), join(dir, f));
      } catch (err) {
        // Listed by git but deleted in the working tree.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    // What `npm run build` emits and package.json points at (main, types, exports), plus the
    // compiled CLI that bin/autoseg.js prefers.
    const exportTargets = Object.values(pkg.exports).flatMap((e) => (typeof e === 'string' ? [e] : Object.values(e)));
    const built = [pkg.main, pkg.types, 'dist/cli/index.js', ...exportTargets].map(norm).filter((p) => p.startsWith('dist/'));
    for (const f of built) {
      mkdirSync(dirname(join(dir, f)), { recursive: true });
      writeFileSync(join(dir, f), '// stand-in for the build output\n');
    }

    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    const packed = new Set((JSON.parse(out) as { files: { path: string }[] }[])[0].files.map((f) => f.path));
    const list = [...packed].sort();

    const needed = [
      'package.json',
      ...Object.values(pkg.bin).map(norm),
      ...exportTargets.map(norm),
      norm(pkg.main),
      norm(pkg.types),
      'dist/cli/index.js',
      // bin/autoseg.js runs the sources through tsx when dist/ was not built.
      'src/cli/index.ts',
      'src/index.ts',
      'src/workflows/index.ts',
      // The embedded Temporal dev server (src/embedded/temporal.ts) and `autoseg demo` (src/cli/commands/demo.ts).
      'scripts/ensure-temporal.sh',
      'examples/customers.csv',
    ];
    for (const f of needed) assert.ok(packed.has(f), `${f} is not in the package`);

    const allowed = /^(package\.json|README\.md|LICENSE|bin\/[^/]+\.js|dist\/.+|src\/.+\.ts|scripts\/ensure-temporal\.sh|examples\/customers\.csv)$/;
    const stray = list.filter((f) => !allowed.test(f));
    assert.deepEqual(stray, [], 'files a user does not need');
    for (const prefix of ['test/', 'bench/', '.ci/', 'deploy/', 'docker/']) {
      assert.deepEqual(
        list.filter((f) => f.startsWith(prefix)),
        [],
        `${prefix} is packed`,
      );
    }
    // Data: only the demo's example customers.
    assert.deepEqual(
      list.filter((f) => /\.(csv|tsv|parquet|json|jsonl|ndjson|arrow|duckdb|db)$/i.test(f) && f !== 'package.json'),
      ['examples/customers.csv'],
    );
    assert.ok(
      list.every((f) => !/\.test\.ts$/.test(f)),
      'a test file is packed',
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
