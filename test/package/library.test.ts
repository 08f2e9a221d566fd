/**
 * The package as a consumer sees it: `npm run build`'s output (built here into a scratch copy,
 * not into the checkout) imported by a scratch TypeScript project that depends on it by path,
 * as `file:` dependencies are installed (a symlink). The project starts a run from a service
 * (`startSegmentation`) and from its own workflow (`executeChild(segmentationWorkflow)` from
 * `autoseg/workflows`), and must type-check; a wrong field must not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

const root = resolve(__dirname, '..', '..');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const run = promisify(execFile);

const START = `import { Client } from '@temporalio/client';
import { startSegmentation, TASK_QUEUE, type RunConfigInput, type RunSummary } from 'autoseg';

export async function nightly(client: Client): Promise<RunSummary> {
  const input: RunConfigInput = { source: { kind: 'table', table: 'cdp.master.customers' }, output: { kind: 'table', table: 'cdp.segments.customers' }, userId: 'td_canonical_id' };
  const handle = await startSegmentation(client, input, { taskQueue: TASK_QUEUE });
  const summary = await handle.result();
  return summary;
}
`;

const WORKFLOW = `import { executeChild } from '@temporalio/workflow';
import { segmentationWorkflow } from 'autoseg/workflows';
import type { RunConfigInput, RunSummary } from 'autoseg';

export async function parentWorkflow(input: RunConfigInput): Promise<RunSummary> {
  return executeChild(segmentationWorkflow, { taskQueue: 'autoseg', args: [input] });
}
`;

const WRONG = `import type { RunConfigInput } from 'autoseg';

export const wrong: RunConfigInput = { source: { kind: 'table', table: 'a.b.c' }, output: { kind: 'dir', dir: 'out' }, userId: 'id', selection: 'gut-feeling' };
`;

test('a scratch project depending on the built package by path imports the workflow, the input type and startSegmentation, and type-checks', { timeout: 300_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-library-'));
  try {
    const pkg = join(dir, 'autoseg');
    mkdirSync(pkg);
    writeFileSync(join(pkg, 'package.json'), readFileSync(join(root, 'package.json')));
    symlinkSync(join(root, 'node_modules'), join(pkg, 'node_modules'));
    await run(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], { cwd: root });

    const consumer = join(dir, 'consumer');
    mkdirSync(join(consumer, 'src'), { recursive: true });
    mkdirSync(join(consumer, 'node_modules', '@types'), { recursive: true });
    symlinkSync(pkg, join(consumer, 'node_modules', 'autoseg'));
    symlinkSync(join(root, 'node_modules', '@temporalio'), join(consumer, 'node_modules', '@temporalio'));
    symlinkSync(join(root, 'node_modules', '@types', 'node'), join(consumer, 'node_modules', '@types', 'node'));
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, dependencies: { autoseg: `file:${pkg}` } }));
    // skipLibCheck as in Temporal's samples: @temporalio/common's own .d.ts needs @types/ms otherwise.
    const tsconfig = (files: string[]) =>
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'node16', moduleResolution: 'node16', strict: true, noEmit: true, skipLibCheck: true, types: ['node'] }, files });
    writeFileSync(join(consumer, 'src', 'start.ts'), START);
    writeFileSync(join(consumer, 'src', 'workflows.ts'), WORKFLOW);
    writeFileSync(join(consumer, 'src', 'wrong.ts'), WRONG);
    writeFileSync(join(consumer, 'tsconfig.json'), tsconfig(['src/start.ts', 'src/workflows.ts']));
    writeFileSync(join(consumer, 'tsconfig.wrong.json'), tsconfig(['src/wrong.ts']));

    await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer });
    // The types are real: a value outside the schema's enum does not type-check.
    const wrong = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.wrong.json')], { cwd: consumer }).then(
      () => null,
      (e: { stdout: string }) => e.stdout,
    );
    assert.ok(wrong !== null, 'selection: "gut-feeling" type-checked');
    assert.match(wrong, /gut-feeling/);

    // And the built entry loads: the names exist at run time too.
    const { stdout } = await run(
      process.execPath,
      [
        '-e',
        `const a = require('autoseg'); const w = require('autoseg/workflows'); console.log(JSON.stringify([typeof a.startSegmentation, typeof a.segment, a.TASK_QUEUE, typeof w.segmentationWorkflow]))`,
      ],
      { cwd: consumer },
    );
    assert.deepEqual(JSON.parse(stdout), ['function', 'function', 'autoseg', 'function']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
