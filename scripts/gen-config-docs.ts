/**
 * `npm run docs:config`: writes the files generated from the run config's zod schema and the CLI
 * definition, so that the documentation cannot drift from what autoseg parses:
 *
 *   schema/run-config.schema.json  the JSON Schema editors validate config files with
 *   docs/config.md                 every option: path, type, default, flag, description
 *   docs/cli.md                    every command and flag with its default
 *
 * `--check` writes nothing and exits 1 naming the stale files (test/unit/configDocs.test.ts does
 * the same comparison in `npm run test:unit`).
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { buildProgram } from '../src/cli/index';
import { runConfigJsonSchema } from './config-docs/jsonSchema';
import { cliMarkdown, configMarkdown, REGENERATE } from './config-docs/markdown';

export const ROOT = join(__dirname, '..');
export const SCHEMA_FILE = 'schema/run-config.schema.json';
export const CONFIG_DOC = 'docs/config.md';
export const CLI_DOC = 'docs/cli.md';

/** Every generated file (repository-relative path -> content), computed in memory. */
export function generatedFiles(): Map<string, string> {
  const schema = runConfigJsonSchema();
  const program = buildProgram();
  const run = program.commands.find((c) => c.name() === 'run');
  if (!run) throw new Error('the CLI has no `run` command');
  return new Map([
    [SCHEMA_FILE, `${JSON.stringify(schema, null, 2)}\n`],
    [CONFIG_DOC, configMarkdown(schema, run)],
    [CLI_DOC, cliMarkdown(program)],
  ]);
}

/** The generated files whose committed content differs from what the generator gives now. */
export function staleFiles(root = ROOT): string[] {
  const stale: string[] = [];
  for (const [path, content] of generatedFiles()) {
    let current: string | undefined;
    try {
      current = readFileSync(join(root, path), 'utf8');
    } catch {
      current = undefined;
    }
    if (current !== content) stale.push(path);
  }
  return stale;
}

function main(): number {
  if (process.argv.includes('--check')) {
    const stale = staleFiles();
    if (stale.length === 0) return 0;
    process.stderr.write(`stale generated files: ${stale.join(', ')}; run \`${REGENERATE}\`\n`);
    return 1;
  }
  for (const [path, content] of generatedFiles()) {
    mkdirSync(dirname(join(ROOT, path)), { recursive: true });
    writeFileSync(join(ROOT, path), content);
    process.stdout.write(`wrote ${path}\n`);
  }
  return 0;
}

if (require.main === module) process.exitCode = main();
