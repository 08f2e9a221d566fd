/**
 * The run config's JSON Schema (schema/run-config.schema.json), converted from the zod schema in
 * src/config/runConfigSchema.ts with zod's own `z.toJSONSchema`: every description comes from the
 * fields' `.describe()` texts, every default and bound from the schema itself, so the file cannot
 * say anything the parser does not do. A few things zod's conversion leaves out or gets wrong for
 * editors are fixed here:
 *
 * - a regex with the `i` flag (the SQL source's `select|with`) is spelled case-insensitively,
 *   since JSON Schema patterns have no flags (else an editor would flag `SELECT ...`);
 * - the ±2^53 bounds zod puts on every integer are dropped (noise in an editor's hover);
 * - `$schema` is allowed at the top level (a config file's pointer to this schema; parseRunConfig
 *   drops it), and the file gets an `$id` and a title.
 *
 * It is the input side (`io: 'input'`): a field with a default is optional, as in a config file.
 */
import { z } from 'zod';
import { runConfigSchema } from '../../src/config/runConfigSchema';

export type JsonSchema = { [key: string]: unknown };

export const SCHEMA_ID = 'urn:autoseg:schema:run-config';
export const SCHEMA_TITLE = 'autoseg run config';

/** A JavaScript regex source made case-insensitive without flags: each letter outside a class becomes `[xX]`. */
export function caseInsensitivePattern(source: string): string {
  let out = '';
  for (let i = 0; i < source.length; i++) {
    const ch = source[i];
    if (ch === '\\') {
      out += source.slice(i, i + 2);
      i++;
    } else if (ch === '[') {
      // A class would need its ranges widened too; no pattern of the schema has one with letters.
      const end = source.indexOf(']', i + 1);
      const cls = source.slice(i, end + 1);
      if (/[A-Za-z]/.test(cls.replace(/\\./g, ''))) throw new Error(`cannot spell the case-insensitive pattern /${source}/i without flags: it has a character class with letters`);
      out += cls;
      i = end;
    } else if (/[A-Za-z]/.test(ch)) {
      out += `[${ch.toLowerCase()}${ch.toUpperCase()}]`;
    } else {
      out += ch;
    }
  }
  return out;
}

/** The regexes of a zod string schema's checks. */
function regexChecks(schema: unknown): RegExp[] {
  const checks = (schema as { _zod?: { def?: { checks?: unknown[] } } })._zod?.def?.checks ?? [];
  const out: RegExp[] = [];
  for (const c of checks) {
    const pattern = (c as { _zod?: { def?: { pattern?: unknown } } })._zod?.def?.pattern;
    if (pattern instanceof RegExp) out.push(pattern);
  }
  return out;
}

function fixPatterns(zodSchema: unknown, json: JsonSchema, path: (string | number)[]): void {
  for (const re of regexChecks(zodSchema)) {
    const flags = re.flags.replace(/[gy]/g, '');
    if (flags === '') continue;
    if (flags !== 'i') throw new Error(`the pattern /${re.source}/${re.flags} at ${path.join('.') || '(root)'} has flags JSON Schema cannot express`);
    const fixed = caseInsensitivePattern(re.source);
    if (json.pattern === re.source) json.pattern = fixed;
    for (const part of (json.allOf as JsonSchema[] | undefined) ?? []) if (part.pattern === re.source) part.pattern = fixed;
  }
}

function dropSafeIntegerBounds(json: JsonSchema): void {
  if (json.maximum === Number.MAX_SAFE_INTEGER) delete json.maximum;
  if (json.minimum === Number.MIN_SAFE_INTEGER) delete json.minimum;
}

/** The JSON Schema of the run config, as shipped in schema/run-config.schema.json. */
export function runConfigJsonSchema(): JsonSchema {
  const generated = z.toJSONSchema(runConfigSchema, {
    target: 'draft-07',
    io: 'input',
    override: ({ zodSchema, jsonSchema, path }) => {
      fixPatterns(zodSchema, jsonSchema as JsonSchema, path);
      dropSafeIntegerBounds(jsonSchema as JsonSchema);
    },
  }) as JsonSchema;
  const { $schema: dialect, description, properties, ...rest } = generated;
  return {
    $schema: dialect,
    $id: SCHEMA_ID,
    title: SCHEMA_TITLE,
    description: `${String(description)} Generated from src/config/runConfigSchema.ts by \`npm run docs:config\`; do not edit by hand.`,
    ...rest,
    properties: {
      $schema: { type: 'string', description: 'The JSON Schema of this file, for editors (e.g. "../schema/run-config.schema.json"); ignored by autoseg.' },
      ...(properties as JsonSchema),
    },
  };
}

/** One documented option: a property of the config, of a nested object, or of one variant of a union. */
export interface OptionRow {
  /** Dotted path, e.g. `kRange.min`, `source.table`. */
  readonly path: string;
  /** For a property of one union variant: the discriminator that selects it, e.g. `kind: "file"`. */
  readonly when?: string;
  readonly schema: JsonSchema;
  readonly required: boolean;
}

/** The variant's discriminator: its property whose schema is a `const` (e.g. `kind`). */
function discriminator(variant: JsonSchema): [string, unknown] | undefined {
  for (const [key, s] of Object.entries((variant.properties as Record<string, JsonSchema> | undefined) ?? {})) if ('const' in s) return [key, s.const];
  return undefined;
}

function variantsOf(schema: JsonSchema): JsonSchema[] | undefined {
  const list = (schema.oneOf ?? schema.anyOf) as JsonSchema[] | undefined;
  return list && list.every((v) => v.type === 'object') ? list : undefined;
}

/**
 * Every option of `schema`, depth first in declaration order: an object's own row, then its
 * properties; a union of objects, then each variant's properties (qualified by its
 * discriminator, which is listed once per variant); an array of objects, then its items'
 * properties as `path[].name`. The editor-only `$schema` is left out.
 */
export function optionRows(schema: JsonSchema, prefix = '', when?: string): OptionRow[] {
  const rows: OptionRow[] = [];
  const required = new Set((schema.required as string[] | undefined) ?? []);
  for (const [key, child] of Object.entries((schema.properties as Record<string, JsonSchema> | undefined) ?? {})) {
    if (prefix === '' && key === '$schema') continue;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    rows.push({ path, ...(when ? { when } : {}), schema: child, required: required.has(key) });
    if (child.type === 'object' && child.properties) rows.push(...optionRows(child, path, when));
    const items = child.items as JsonSchema | undefined;
    if (child.type === 'array' && items?.type === 'object' && items.properties) rows.push(...optionRows(items, `${path}[]`, when));
    for (const variant of variantsOf(child) ?? []) {
      const d = discriminator(variant);
      rows.push(...optionRows(variant, path, d ? `${d[0]}: ${JSON.stringify(d[1])}` : undefined));
    }
  }
  return rows;
}
