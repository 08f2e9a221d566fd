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

export const sourceSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('table'), table: identifierPath }),
  z.strictObject({ kind: z.literal('sql'), sql: z.string().regex(/^\s*(select|with)\b/i, 'must be a SELECT (or WITH ... SELECT) query') }),
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1), table: z.string().optional() }),
]);

export const outputSchema = z.discriminatedUnion('kind', [z.strictObject({ kind: z.literal('table'), table: identifierPath }), z.strictObject({ kind: z.literal('dir'), dir: z.string().min(1) })]);

export const runConfigSchema = segmentationOptionsSchema
  .extend({
    source: sourceSchema,
    output: outputSchema,
    runKey: z
      .string()
      .regex(/^[A-Za-z0-9._:-]{1,200}$/, 'must be 1-200 letters, digits, or . _ : -')
      .optional(),
    keepStage: z.boolean().default(false),
    // A nightly job must outlast a warehouse restart or a short outage: transient failures are
    // retried until this deadline (from the run's start), then the run fails with the last cause.
    deadlineMinutes: z
      .number()
      .int('must be a whole number of minutes')
      .min(1)
      .max(7 * 24 * 60)
      .default(360),
    engine: z.enum(['auto', 'worker', 'trino']).default('auto'),
    engineThreshold: z.number().int().min(0).default(1_000_000),
    trainingSampleSize: z.number().int().min(2).max(10_000_000).default(200_000),
  })
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

/** Parses and fills defaults, or throws RunConfigError listing each problem by its path. */
export function parseRunConfig(input: unknown): RunConfig {
  const r = runConfigSchema.safeParse(input);
  if (r.success) return r.data;
  throw new RunConfigError(r.error.issues.map((i) => `${i.path.map(String).join('.') || '(config)'}: ${i.message}`));
}
