/**
 * The workflow code bundle, built once per version of the code and kept on disk: webpack takes
 * about two seconds per `Worker.create`, paid by every `autoseg run` on the embedded default
 * and by every worker start. The cache key hashes every source file of this package that the
 * bundle can include (the whole `src/` or `dist/` tree: workflows import constants and schemas
 * from beside them), the @temporalio/workflow version and the Node version, so a changed file
 * can never run stale workflow code; a corrupt or unreadable cache file is rebuilt.
 */
import { createHash } from 'node:crypto';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { replaceFileAtomically } from '../shared/atomicFile';

const CODE_ROOT = resolve(__dirname, '..');
const WORKFLOWS = require.resolve(join(CODE_ROOT, 'workflows'));

/** Every .ts / .js file under `dir`, sorted, for a hash that does not depend on readdir order. */
async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries
    .filter((e) => e.isFile() && /\.(ts|js|json)$/.test(e.name))
    .map((e) => join(e.parentPath ?? (e as { path?: string }).path ?? dir, e.name))
    .sort();
}

async function cacheKey(): Promise<string> {
  const hash = createHash('sha256');
  const workflowPackage = JSON.parse(await readFile(require.resolve('@temporalio/workflow/package.json'), 'utf8')) as { version: string };
  hash.update(`${workflowPackage.version}\0${process.version}\0`);
  for (const file of await sourceFiles(CODE_ROOT))
    hash
      .update(file)
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  return hash.digest('hex').slice(0, 32);
}

function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.AUTOSEG_CACHE || join(homedir(), '.cache', 'autoseg'), 'workflow-bundles');
}

const silent = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/** The bundle for this code: from the cache when built before, else built now and cached (0600). */
export async function workflowBundle(): Promise<{ code: string }> {
  const path = join(cacheDir(), `${await cacheKey()}.js`);
  const cached = await readFile(path, 'utf8').catch(() => undefined);
  if (cached !== undefined && cached.length > 0) return { code: cached };
  const built: WorkflowBundleWithSourceMap = await bundleWorkflowCode({ workflowsPath: WORKFLOWS, logger: silent });
  // A cache we cannot write (read-only home) costs the next start two seconds, nothing else.
  await replaceFileAtomically(path, (tmp) => writeFile(tmp, built.code, { mode: 0o600 }), { mode: 0o600, dirMode: 0o700 }).catch(() => undefined);
  return { code: built.code };
}
