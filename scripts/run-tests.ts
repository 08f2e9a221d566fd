/**
 * `npm test`: obtains and starts a real Temporal dev server and a real Trino (both cached
 * outside the checkout), runs every test file against them with node's test runner, and stops
 * both whatever happens. `npm run test:unit` runs only the tests that need no server.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { startServices, stopServices, timed, type Services } from './services/both';

const root = resolve(__dirname, '..');
const UNIT_DIRS = ['test/segmentation', 'test/stage', 'test/unit', 'test/report'];

function testFiles(dir: string): string[] {
  const abs = join(root, dir);
  let entries: string[] = [];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.sort().flatMap((e) => {
    const p = join(abs, e);
    if (statSync(p).isDirectory()) return testFiles(join(dir, e));
    return e.endsWith('.test.ts') ? [join(dir, e)] : [];
  });
}

function runNodeTests(files: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const args = ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files];
  return new Promise((res) => {
    const child = spawn(process.execPath, args, { cwd: root, env, stdio: 'inherit' });
    child.on('exit', (code, signal) => res(code ?? (signal ? 1 : 0)));
  });
}

async function main(): Promise<number> {
  const unitOnly = process.argv.includes('--unit');
  const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  const files = only.length > 0 ? only : unitOnly ? UNIT_DIRS.flatMap(testFiles) : testFiles('test');
  if (files.length === 0) throw new Error('no test files found under test/');
  const outDir = process.env.AUTOSEG_TEST_OUTPUT ?? join(root, 'test-output');
  mkdirSync(outDir, { recursive: true });
  const env: NodeJS.ProcessEnv = { ...process.env, AUTOSEG_TEST_OUTPUT: outDir };
  if (unitOnly) return runNodeTests(files, env);

  const work = mkdtempSync(join(tmpdir(), 'autoseg-services-'));
  console.log(`[services] logs and data under ${work}`);
  let services: Services | undefined;
  const stopAll = async (): Promise<void> => {
    const s = services;
    services = undefined;
    if (s) await stopServices(s);
  };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void stopAll().then(() => process.exit(130)));
  try {
    services = await startServices(work);
    Object.assign(env, services.env, { AUTOSEG_TEST_SERVICES_DIR: work });
    console.log(
      `[services] TEMPORAL_ADDRESS=${services.env.TEMPORAL_ADDRESS} TRINO_URL=${services.env.TRINO_URL}; running ${files.length} test files: ${files.map((f) => relative(root, join(root, f))).join(' ')}`,
    );
    return await runNodeTests(files, env);
  } finally {
    await timed('services stopped', stopAll);
  }
}

main().then(
  (code) => process.exit(code),
  (e) => {
    console.error(`[services] ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
