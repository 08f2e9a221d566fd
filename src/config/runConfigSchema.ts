import { z } from 'zod';
import { segmentationOptionsSchema } from '../segmentation/options';

/**
 * One run of autoseg, as the CLI, a config file, the HTTP trigger and a parent workflow all give
 * it. The zod schema is the type; it is parsed once at each boundary (the workflow's input is
 * one) and trusted inside. No Node API here: the workflow bundle imports this module.
 *
 * - `source`: a Trino table (`catalog.schema.table`), a Trino SELECT, or a CSV / Parquet /
 *   `.duckdb` file read by the embedded DuckDB (`table` names the table inside a `.duckdb`).
 * - `output`: a Trino table replaced atomically (the model goes to `<table>_model`), or a
 *   directory receiving `segments.csv`, `summary.json`, `model.json` and `report.html`.
 * - `runKey`: a caller-supplied key; the run's workflow id is derived from it, so a trigger
 *   that fires twice with the same key cannot start the same run twice.
 * - `keepStage`: keep the intermediate data after the run, also after a failure (debugging).
 * - `deadlineMinutes`: how long transient failures are retried (default 6 hours).
 * - `engine`: where the rows are processed. `worker` pulls every row into the autoseg worker;
 *   `trino` (pushdown) keeps them in Trino: the profile, a seeded training sample, Lloyd
 *   refinement, the assignment and the write-back all run as SQL, and only the sample crosses
 *   to the worker. `auto` (default) picks `trino` when the source and the output are both Trino
 *   and the source has more than `engineThreshold` rows (one count(*)), else `worker`.
 * - `trainingSampleSize`: pushdown only: rows sampled (by a seeded hash of the user id) to
 *   score k and train the model before the full-table refinement.
 * - everything else: the engine's options (see src/segmentation/options.ts).
 */
const identifierPath = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*){0,2}$/, 'must be a table name: [catalog.][schema.]table of letters, digits and underscores');

// Every field carries its `.describe()` text: the one source of schema/run-config.schema.json and
// docs/config.md (`npm run docs:config` regenerates both; a unit test fails when they are stale).
const tableName = (what: string) => identifierPath.describe(`${what}: \`catalog.schema.table\` (or \`schema.table\` / \`table\` under TRINO_CATALOG / TRINO_SCHEMA), letters, digits and underscores.`);

export const sourceSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('table').describe('A Trino table.'), table: tableName('The Trino table read whole') }),
    z.strictObject({
      kind: z.literal('sql').describe('A Trino query.'),
      sql: z
        .string()
        .regex(/^\s*(select|with)\b/i, 'must be a SELECT (or WITH ... SELECT) query')
        .describe('A Trino SELECT (or WITH ... SELECT) whose rows are the customers, one row each.'),
    }),
    z.strictObject({
      kind: z.literal('file').describe('A local file, read by the embedded DuckDB.'),
      path: z.string().min(1).describe('A CSV, Parquet or `.duckdb` file on the worker. The HTTP trigger, schedules and shared workers accept it only under AUTOSEG_FILE_ROOTS.'),
      table: z.string().optional().describe('The table inside a `.duckdb` file; may be left out when the file holds one table.'),
    }),
  ])
  .describe('Where the customers come from, one row per customer: a Trino table, a Trino SELECT, or a CSV / Parquet / `.duckdb` file.');

export const outputSchema = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: z.literal('table').describe('A Trino table.'),
      table: tableName('The Trino table replaced atomically with the segments; the model goes to `<table>_model`'),
    }),
    z.strictObject({
      kind: z.literal('dir').describe('A directory on the worker.'),
      dir: z
        .string()
        .min(1)
        .describe(
          "The directory receiving `segments.csv`, `summary.json`, `model.json` and `report.html`: new, empty, or holding autoseg's own output. The HTTP trigger, schedules and shared workers accept it only under AUTOSEG_FILE_ROOTS.",
        ),
    }),
  ])
  .describe('Where the segments go: a Trino table (and `<table>_model`) or a directory of files.');

export const runConfigSchema = segmentationOptionsSchema
  .extend({
    source: sourceSchema,
    output: outputSchema,
    runKey: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1-200 letters, digits, or . _ : -')
      .optional()
      .describe(
        "An idempotency key of 1-200 letters, digits, `.`, `_`, `:` or `-`: the run's workflow id is `autoseg-<runKey>`, so a trigger that fires twice starts one run, and the same key with a different config is refused (HTTP 409, CLI exit 2). Without it every run gets a fresh id.",
      ),
    keepStage: z.boolean().default(false).describe("Keep the run's intermediate data in the stage directory after the run, also after a failure (for debugging)."),
    // A nightly job must outlast a warehouse restart or a short outage: transient failures are
    // retried until this deadline (from the run's start), then the run fails with the last cause.
    deadlineMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(1)
      .max(7 * 24 * 60)
      .default(360)
      .describe(
        "How long transient failures (a warehouse restart or outage, a killed worker) are retried, in minutes from the run's start, at most 7 days; after it the run fails with the last cause.",
      ),
    engine: z
      .enum(['auto', 'worker', 'trino'])
      .default('auto')
      .describe(
        'Where the rows are processed. `worker` pulls every row into the autoseg worker; `trino` (pushdown) keeps them in Trino and only a training sample reaches the worker (needs a Trino source and a Trino output table); `auto` picks `trino` when the source and the output are both Trino and the source has more than `engineThreshold` rows, else `worker`.',
      ),
    engineThreshold: z.number().int().min(0).default(1_000_000).describe('With `engine: auto`: the source row count (one count(*) in the check stage) above which the rows stay in Trino.'),
    trainingSampleSize: z
      .number()
      .int()
      .min(2)
      .max(10_000_000)
      .default(200_000)
      .describe('Trino engine (pushdown) only: rows sampled, by a seeded hash of the user id, to score k and train the model before the full-table refinement in Trino.'),
    reasons: z
      .boolean()
      .default(false)
      .describe(
        'Add `reason_1`, `reason_2`, `reason_3` (varchar) to the segment table: per customer, the three features that most keep it in its segment rather than the nearest other one (the largest terms of its exact margin attribution). Off by default: three more columns per customer.',
      ),
    labels: z
      .record(z.string().min(1), z.string().trim().min(1).max(80))
      .optional()
      .describe(
        'Human names of columns, column name -> name (e.g. `{"total_spend": "Total spend"}`): used in the segment names (`segment_label`, the model, the summary) and everywhere the report shows the column. Columns not named keep their column name; names of columns not in the input are ignored.',
      ),
  })
  .describe('One autoseg run: the CLI flags, a `--config` file, an HTTP trigger body and the workflow input all give one.')
  .superRefine((c, ctx) => {
    if (c.engine === 'trino' && (c.source.kind === 'file' || c.output.kind === 'dir')) {
      ctx.addIssue({
        code: 'custom',
        path: ['engine'],
        message: `trino (pushdown) needs a Trino source and a Trino output table, but the ${c.source.kind === 'file' ? 'source is a file' : 'output is a directory'}: use worker or auto`,
      });
    }
  });

export type RunConfig = z.output<typeof runConfigSchema>;
export type RunConfigInput = z.input<typeof runConfigSchema>;
export type SourceSpec = z.output<typeof sourceSchema>;
export type OutputSpec = z.output<typeof outputSchema>;
export type EngineMode = 'worker' | 'trino';

/** Raised for a config that does not parse: names every bad field. */
export class RunConfigError extends Error {
  override readonly name = 'RunConfigError';
  constructor(readonly issues: string[]) {
    super(`invalid run config: ${issues.join('; ')}`);
  }
}

/**
 * Parses and fills defaults, or throws RunConfigError listing each problem by its path. A top-level
 * `$schema` string (an editor's pointer to schema/run-config.schema.json) is not a setting: dropped.
 */
export function parseRunConfig(input: unknown): RunConfig {
  const r = runConfigSchema.safeParse(withoutSchemaKey(input));
  if (r.success) return r.data;
  throw new RunConfigError(r.error.issues.map((i) => `${i.path.map(String).join('.') || '(config)'}: ${i.message}`));
}

function withoutSchemaKey(input: unknown): unknown {
  if (input === null || typeof input !== 'object' || Array.isArray(input) || typeof (input as Record<string, unknown>).$schema !== 'string') return input;
  const { $schema: _editorHint, ...rest } = input as Record<string, unknown>;
  return rest;
}
