/**
 * The configuration documentation cannot drift from the code (issue 12):
 * - the generated files (JSON Schema, docs/config.md, docs/cli.md) equal what the generator
 *   gives now: on a mismatch, `npm run docs:config` regenerates them;
 * - every option of the zod schema, nested ones included, has a description and is named in
 *   README.md or docs/config.md;
 * - examples/run.json is a valid config;
 * - every environment variable read in src/ or scripts/ is documented (docs/env.md or README.md);
 * - the HTTP trigger's status codes and the output tables' columns are documented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseRunConfig, RunConfigError, runConfigSchema } from '../../src/config/runConfig';
import { CONFIG_DOC, generatedFiles, ROOT, SCHEMA_FILE, staleFiles } from '../../scripts/gen-config-docs';
import { caseInsensitivePattern, optionRows, runConfigJsonSchema, type JsonSchema } from '../../scripts/config-docs/jsonSchema';
import { configMarkdown, REGENERATE } from '../../scripts/config-docs/markdown';
import { Command } from 'commander';
import { runConfigFromFlags } from '../../src/cli/runOptions';

const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

test('the generated schema and docs are up to date with the zod schema and the CLI', () => {
  const stale = staleFiles();
  assert.deepEqual(stale, [], `generated files are stale: ${stale.join(', ')}. Run \`${REGENERATE}\` and commit the result.`);
});

interface ZodNode {
  readonly _zod: { readonly def: Record<string, unknown> & { readonly type: string } };
  readonly description?: string;
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'nonoptional', 'catch']);

/** The schema under wrappers (optional, default, ...), with whether any layer carries a description. */
function unwrap(node: ZodNode): { core: ZodNode; described: boolean } {
  let described = false;
  let n = node;
  for (;;) {
    if (typeof n.description === 'string' && n.description.trim() !== '') described = true;
    const def = n._zod.def;
    if (WRAPPERS.has(def.type)) n = def.innerType as ZodNode;
    else if (def.type === 'pipe') n = def.in as ZodNode;
    else if (def.type === 'lazy') n = (def.getter as () => ZodNode)();
    else return { core: n, described };
  }
}

/** Every option path of a zod schema, walked from the zod definition itself (not the JSON Schema). */
function zodOptions(node: ZodNode, prefix = ''): { path: string; described: boolean }[] {
  const { core } = unwrap(node);
  const def = core._zod.def;
  const out: { path: string; described: boolean }[] = [];
  if (def.type === 'object') {
    for (const [key, child] of Object.entries(def.shape as Record<string, ZodNode>)) {
      const path = prefix === '' ? key : `${prefix}.${key}`;
      out.push({ path, described: unwrap(child).described });
      out.push(...zodOptions(child, path));
    }
  } else if (def.type === 'union') {
    for (const option of def.options as ZodNode[]) out.push(...zodOptions(option, prefix));
  } else if (def.type === 'array') {
    const element = def.element as ZodNode;
    if (unwrap(element).core._zod.def.type !== 'string') out.push(...zodOptions(element, `${prefix}[]`));
  }
  return out;
}

const options = zodOptions(runConfigSchema as unknown as ZodNode);

test('the zod walk sees nested options and union variants', () => {
  const paths = new Set(options.map((o) => o.path));
  for (const p of ['userId', 'kRange.min', 'priority.high', 'priorityFactors.low', 'source.kind', 'source.sql', 'source.path', 'output.dir', 'engine']) assert.ok(paths.has(p), p);
});

test('every option of the zod schema has a description (.describe), the source of every generated doc', () => {
  const missing = [...new Set(options.filter((o) => !o.described).map((o) => o.path))];
  assert.deepEqual(missing, [], `options without .describe('...') in the zod schema: ${missing.join(', ')}; describe them, then run \`${REGENERATE}\``);
});

test('every option of the zod schema is named in README.md or docs/config.md', () => {
  const docs = read('README.md') + read(CONFIG_DOC);
  const missing = [...new Set(options.map((o) => o.path))].filter((p) => !docs.includes(`\`${p}\``));
  assert.deepEqual(missing, [], `options not documented: ${missing.join(', ')}; run \`${REGENERATE}\``);
});

test('the JSON Schema: id, title, a description on every option, the $schema key, and patterns without flags', () => {
  const schema = runConfigJsonSchema();
  assert.equal(schema.$id, 'urn:autoseg:schema:run-config');
  assert.equal(schema.title, 'autoseg run config');
  assert.equal(schema.additionalProperties, false);
  assert.deepEqual((schema.properties as Record<string, JsonSchema>).$schema.type, 'string');
  for (const row of optionRows(schema)) assert.ok(typeof row.schema.description === 'string' && row.schema.description.length > 10, row.path);
  // The SQL source's /^\s*(select|with)\b/i must accept what zod accepts, in any case.
  const sql = optionRows(schema).find((r) => r.path === 'source.sql')!;
  const re = new RegExp(sql.schema.pattern as string);
  for (const ok of ['SELECT * FROM t', '  with x AS (select 1) select * from x', 'Select 1']) assert.ok(re.test(ok), ok);
  for (const bad of ['DROP TABLE t', 'selection', 'x select']) assert.ok(!re.test(bad), bad);
  assert.equal(caseInsensitivePattern('^a\\sb$'), '^[aA]\\s[bB]$');
  assert.throws(() => caseInsensitivePattern('^[a-z]+$'), /character class with letters/);
  // No ±2^53 noise on integers.
  assert.ok(!JSON.stringify(schema).includes(String(Number.MAX_SAFE_INTEGER)));
});

test('the committed JSON Schema is the generated one, and is valid JSON', () => {
  assert.deepEqual(JSON.parse(read(SCHEMA_FILE)), JSON.parse(generatedFiles().get(SCHEMA_FILE)!));
});

test('the generator refuses an option without a description, naming it', () => {
  const schema: JsonSchema = { description: 'x', type: 'object', properties: { documented: { type: 'string', description: 'fine' }, bare: { type: 'integer' } } };
  assert.throws(() => configMarkdown(schema, new Command('run')), /without a description: bare\. .*npm run docs:config/);
});

test('examples/run.json is a valid run config and names only options the JSON Schema knows', () => {
  const example = JSON.parse(read('examples/run.json')) as Record<string, unknown>;
  assert.equal(example.$schema, '../schema/run-config.schema.json');
  const config = parseRunConfig(example);
  assert.equal(config.source.kind, 'table');
  assert.equal(config.userId, 'td_canonical_id');
  assert.deepEqual(runConfigFromFlags({ config: join(ROOT, 'examples/run.json') }), config, 'autoseg run --config examples/run.json');
  const known = new Set(optionRows(runConfigJsonSchema()).map((r) => r.path));
  const keys = (v: unknown, prefix = ''): string[] =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v).flatMap(([k, child]) => (prefix === '' && k === '$schema' ? [] : [prefix + k, ...keys(child, `${prefix}${k}.`)])) : [];
  for (const k of keys(example)) assert.ok(known.has(k), `examples/run.json: ${k} is not a run-config option`);
});

test('parseRunConfig drops a top-level $schema string (an editor hint), and refuses any other $schema', () => {
  const base = { source: { kind: 'table', table: 'a.b.c' }, output: { kind: 'table', table: 'a.b.d' }, userId: 'id' };
  assert.equal(parseRunConfig({ ...base, $schema: '../schema/run-config.schema.json' }).userId, 'id');
  assert.throws(
    () => parseRunConfig({ ...base, $schema: 5 }),
    (e: unknown) => e instanceof RunConfigError && /\$schema/.test(e.message),
  );
});

function files(dir: string): string[] {
  return readdirSync(join(ROOT, dir)).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(join(ROOT, path)).isDirectory()) return files(path);
    return /\.(ts|js|sh)$/.test(name) && !name.endsWith('.generated.ts') ? [path] : [];
  });
}

/** Names that look like environment variables but are not read from the environment. */
const NOT_ENV: Record<string, string> = {
  TEMPORAL_VERSION: 'a constant of scripts/ensure-temporal.sh',
};

/** Every environment variable read in src/ and scripts/, with the files that read it. */
function envReads(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  const add = (name: string, file: string) => found.set(name, [...new Set([...(found.get(name) ?? []), file])]);
  for (const file of [...files('src'), ...files('scripts')]) {
    const text = read(file);
    for (const m of text.matchAll(/\b(?:AUTOSEG|TRINO|TEMPORAL)_[A-Z0-9_]*[A-Z0-9]\b/g)) add(m[0], file);
    for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) add(m[1], file);
    for (const m of text.matchAll(/\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) add(m[1], file);
    if (file.endsWith('.sh')) for (const m of text.matchAll(/\$\{([A-Z][A-Z0-9_]*):?[-=?+]/g)) add(m[1], file);
  }
  for (const name of Object.keys(NOT_ENV)) found.delete(name);
  return found;
}

test('every environment variable read in src/ or scripts/ is documented with its default', () => {
  const reads = envReads();
  for (const name of ['TRINO_URL', 'AUTOSEG_FILE_ROOTS', 'AUTOSEG_TASK_QUEUE', 'TEMPORAL_ADDRESS', 'AUTOSEG_CACHE', 'PATH']) assert.ok(reads.has(name), `the scan finds ${name}`);
  const docs = read('docs/env.md') + read('README.md');
  const missing = [...reads].filter(([name]) => !docs.includes(`\`${name}\``)).map(([name, where]) => `${name} (${where.map((f) => relative('.', f)).join(', ')})`);
  assert.deepEqual(missing, [], `environment variables not documented in docs/env.md: ${missing.join('; ')}`);
});

test("the README and docs/env.md give TRINO_URL's real default (src/warehouse/trino-connection.ts)", () => {
  assert.match(read('src/warehouse/trino-connection.ts'), /env\.TRINO_URL\) \?\? 'http:\/\/localhost:8080'/);
  assert.match(read('docs/env.md'), /\| `TRINO_URL` \|[^\n]*\| `http:\/\/localhost:8080` \|/);
  assert.match(read('README.md'), /\| `TRINO_URL` \|[^\n]*\| `http:\/\/localhost:8080` \|/);
});

test('every status code of the HTTP trigger is documented in docs/http-api.md', () => {
  const codes = new Set([...read('src/trigger/httpTrigger.ts').matchAll(/(?:sendError\(res, |send\(res, |HttpError\()(\d{3})/g)].map((m) => m[1]));
  for (const c of ['202', '400', '401', '403', '404', '409', '500']) assert.ok(codes.has(c), `the scan finds ${c}`);
  const doc = read('docs/http-api.md');
  const missing = [...codes].filter((c) => !doc.includes(`\`${c}\``));
  assert.deepEqual(missing, [], `HTTP statuses not documented in docs/http-api.md: ${missing.join(', ')}`);
});

test('every column the write-back creates is documented with its type in docs/outputs.md', () => {
  const columns = new Map<string, string>();
  for (const file of ['src/activities/writeBack.ts', 'src/warehouse/run-output-tables.ts']) {
    for (const m of read(file).matchAll(/\{ name: '([A-Za-z0-9_]+)', sqlType: '([^']+)'/g)) columns.set(m[1], m[2]);
  }
  for (const c of ['segment', 'segment_label', 'run_id', 'created_at', 'model']) assert.ok(columns.has(c), `the scan finds ${c}`);
  const doc = read('docs/outputs.md');
  const missing = [...columns].filter(([name, type]) => !doc.includes(`| \`${name}\` | \`${type}\` |`)).map(([n, t]) => `${n} ${t}`);
  assert.deepEqual(missing, [], `output columns not documented in docs/outputs.md (as | \`name\` | \`type\` |): ${missing.join(', ')}`);
});
