/**
 * The compiled autoseg that an installed package runs (`npm run build`: dist/, no TypeScript
 * loader in the worker or its threads), built for a benchmark into bench/out/ (ignored by git)
 * rather than dist/, which bin/autoseg.js would prefer over the sources from then on.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/** Builds src/ into <root>/bench/out/dist and returns its CLI entry (run as a script, it runs the CLI as bin/autoseg.js does). */
export function buildCompiledCli(root: string): string {
  const out = join(root, 'bench', 'out');
  rmSync(join(out, 'dist'), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', join(out, 'dist')], { cwd: root, stdio: 'inherit' });
  // the CLI reads its version from the package.json two levels above dist/cli
  copyFileSync(join(root, 'package.json'), join(out, 'package.json'));
  return join(out, 'dist', 'cli', 'index.js');
}
