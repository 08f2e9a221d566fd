import { z } from 'zod';
import { SegmentationInputError, type SegmentationErrorCode } from './errors';
import { DEFAULT_N_INIT } from './kmeansParams';
import { invalidExclusion } from './columnRules';

/**
 * Options of the segmentation engine. The zod schema is the type: {@link SegmentationOptions} is
 * its output (defaults filled), {@link SegmentationOptionsInput} what a caller may pass.
 * Every option is validated here and only here ({@link parseOptions}); checks that need the data
 * (k against the row count, priority features against the columns) live in `engineer.ts`.
 *
 * Parameters
 * ----------
 * userId : string
 *     Column holding the unique customer id. Required. Must exist, be non-null and unique.
 * exclude : string[], default []
 *     Columns to leave out, by exact name, glob pattern (`*` any run of characters, `?` one
 *     character, `[abc]` / `[!abc]` a class) or, prefixed `re:`, JavaScript regular expression;
 *     all matched case-insensitively against the whole name (a regex is anchored at both ends).
 *     An invalid or empty `re:` entry is a config error; an entry matching no column, a warning.
 *     Applied on top of the default exclusions: a column named `time` and any column whose name
 *     contains `exclude` (both case-insensitive).
 * minCategoryShare : number in (0, 1], default 0.10
 *     A categorical value gets its own dummy column when it is on at least this share of rows;
 *     rarer values are bucketed into `other`.
 * keepTopCategories : int in [0, MAX_KEEP_TOP_CATEGORIES], default 0
 *     A categorical with 3+ values none of which is on minCategoryShare of rows is dropped
 *     (no_frequent_value) when 0; with N > 0 it keeps its N most frequent values (count
 *     descending, then value) as dummies plus `other` instead. N does not cap the dummies of a
 *     column that has frequent values: those keep every value on minCategoryShare of rows,
 *     at most 1 / minCategoryShare of them, which minCategoryShare already bounds.
 * categorical : string[], default []
 *     Numeric columns (whole names, case-insensitive) to treat as categorical: each integer
 *     value becomes a category of its own, named by its decimal text (codes.ts). For integer
 *     codes such as a nation key or a store number; a non-integer value is a NON_INTEGER_CODE
 *     error. An entry matching no numeric column is a warning.
 * maxNullShare : number in [0, 1], default 0.25
 *     A column with a null share strictly greater than this is dropped.
 * priority : {high: string[], med: string[], low: string[]}, default all empty
 *     Feature (input column) names whose scaled columns are multiplied by the tier's factor; a
 *     categorical's dummy columns follow their feature. A name may appear in one tier only.
 * priorityFactors : {high: number, med: number, low: number}, default {high: 3, med: 2, low: 1.5}
 *     The multipliers; real numbers > 0 (not cast to integers).
 * kRange : {min: int, max: int}, default {min: 2, max: 10}
 *     The k tried when choosing k; 2 <= min <= max < number of rows, at most MAX_K_TRIED (50)
 *     values: each k is one scoring task (one activity in the workflow's fan-out).
 * k : int >= 2, optional
 *     An explicit number of segments; overrides the elbow / silhouette choice. Must be < rows.
 * sampleSize : int >= 2, default 10000
 *     Rows sampled (seeded) to score each k.
 * seed : int in [0, 2^32 - 1], default 0
 *     Seed of every random choice (sampling, k-means++). 0 is scikit-learn's `random_state=0`,
 *     the value the original implementation used; the range is numpy's, so that different
 *     seeds never alias to the same generator state.
 * nInit : int >= 1, default 20
 *     k-means++ restarts; the lowest inertia is kept (twice scikit-learn's n_init=10: see
 *     DEFAULT_N_INIT in kmeansParams.ts).
 * maxIter : int >= 1, default 300
 *     Maximum Lloyd iterations per restart.
 * tol : number >= 0, default 1e-4
 *     Relative tolerance (scikit-learn's definition) on the centroid shift.
 * selection : 'elbow' | 'silhouette' | 'stability', default 'elbow'
 *     How k is chosen when `k` is not given: the Kneedle elbow of the inertia curve, the best
 *     silhouette, or the most reproducible k (scoring.ts stability; selectK.ts STABILITY_TOLERANCE).
 *     When no elbow exists, the silhouette choice is used and the reason says so.
 */
const featureList = z.array(z.string().min(1, 'feature names must be non-empty'));

const positiveFactor = (dflt: number) =>
  z
    .number()
    .refine((v) => Number.isFinite(v) && v > 0, { message: 'must be a finite number > 0' })
    .default(dflt);

const kInt = z.number().int('must be an integer').min(2, 'must be at least 2');

export const DEFAULT_PRIORITY_FACTORS = Object.freeze({ high: 3, med: 2, low: 1.5 });
export const DEFAULT_K_RANGE = Object.freeze({ min: 2, max: 10 });
/** The most k values one run scores: bounds the workflow's fan-out and its history. */
export const MAX_K_TRIED = 50;
/** The largest keepTopCategories: a bound on one column's dummies. */
export const MAX_KEEP_TOP_CATEGORIES = 100;

export const segmentationOptionsSchema = z.strictObject({
  userId: z
    .string()
    .min(1, 'userId must name the user id column')
    .describe('The column holding the unique customer id (required): it must exist, be non-null and unique, and is written back beside each segment.'),
  exclude: z
    .array(
      z
        .string()
        .min(1)
        .superRefine((entry, ctx) => {
          const why = invalidExclusion(entry);
          if (why !== null) ctx.addIssue({ code: 'custom', message: why });
        }),
    )
    .default(() => [])
    .describe(
      'Columns to leave out: exact names, glob patterns (`*` any run of characters, `?` one character, `[abc]` / `[!abc]` a class) or, prefixed `re:`, JavaScript regular expressions anchored at both ends; all matched case-insensitively against the whole name. An invalid or empty `re:` entry is a config error, an entry that matches no column a warning. Always left out as well: a column named `time` and any column whose name contains `exclude`.',
    ),
  minCategoryShare: z
    .number()
    .gt(0)
    .lte(1)
    .default(0.1)
    .describe('A categorical value gets its own dummy column when it is on at least this share of the rows, in (0, 1]; rarer values are bucketed into `other`.'),
  keepTopCategories: z
    .number()
    .int('must be an integer')
    .min(0)
    .max(MAX_KEEP_TOP_CATEGORIES)
    .default(0)
    .describe(
      `A categorical with no value on \`minCategoryShare\` of the rows is dropped (no_frequent_value) when 0 (default); with N from 1 to ${MAX_KEEP_TOP_CATEGORIES} it keeps its N most frequent values as dummies plus \`other\` instead, and the data dictionary says so. N does not cap a column that has frequent values: it keeps each of them (at most 1 / minCategoryShare).`,
    ),
  categorical: z
    .array(z.string().min(1))
    .default(() => [])
    .describe(
      'Numeric columns to treat as categorical (whole names, case-insensitive), e.g. integer codes such as a nation key or a store number: each value becomes a category named by its decimal text, with dummies by `minCategoryShare` / `keepTopCategories`, instead of a scaled number. Every value must be an integer within +/-(2^53 - 1). An entry that matches no numeric column is a warning.',
    ),
  maxNullShare: z.number().gte(0).lte(1).default(0.25).describe('A column whose share of nulls is strictly greater than this, in [0, 1], is dropped.'),
  priority: z
    .strictObject({
      high: featureList.default(() => []).describe('Features weighted by `priorityFactors.high`.'),
      med: featureList.default(() => []).describe('Features weighted by `priorityFactors.med`.'),
      low: featureList.default(() => []).describe('Features weighted by `priorityFactors.low`.'),
    })
    .default(() => ({ high: [], med: [], low: [] }))
    .superRefine((p, ctx) => {
      const seen = new Map<string, string>();
      for (const tier of ['high', 'med', 'low'] as const) {
        for (const f of p[tier]) {
          const before = seen.get(f);
          if (before !== undefined) {
            ctx.addIssue({ code: 'custom', path: [tier], message: `feature ${JSON.stringify(f)} is listed in both priority.${before} and priority.${tier}; keep it in one tier` });
          }
          seen.set(f, tier);
        }
      }
    })
    .describe(
      "Feature (source column) names whose scaled columns are multiplied by their tier's factor (`priorityFactors`); a categorical's dummy columns follow their feature. Each name must be a column of the source and may appear in one tier only.",
    ),
  priorityFactors: z
    .strictObject({
      high: positiveFactor(3).describe('Multiplier of the `priority.high` features: a finite number > 0.'),
      med: positiveFactor(2).describe('Multiplier of the `priority.med` features: a finite number > 0.'),
      low: positiveFactor(1.5).describe('Multiplier of the `priority.low` features: a finite number > 0.'),
    })
    .default(() => ({ ...DEFAULT_PRIORITY_FACTORS }))
    .describe('The multipliers of the priority tiers: real numbers > 0, not rounded.'),
  kRange: z
    .strictObject({ min: kInt.describe('Smallest k scored, >= 2.'), max: kInt.describe('Largest k scored: >= `kRange.min` and below the rows scored.') })
    .default(() => ({ ...DEFAULT_K_RANGE }))
    .refine((r) => r.min <= r.max, { message: 'kRange.min must be <= kRange.max' })
    .refine((r) => r.max - r.min + 1 <= MAX_K_TRIED, { message: `kRange may span at most ${MAX_K_TRIED} values of k (each is scored separately); narrow it` })
    .describe(
      `The k tried when choosing k: 2 <= min <= max < the rows scored (min(rows, sampleSize)), at most ${MAX_K_TRIED} values (each k is one scoring activity of the workflow). A config that gives kRange gives both min and max.`,
    ),
  k: kInt
    .optional()
    .describe('An explicit number of segments, >= 2 and below the row count: overrides the elbow / silhouette choice (the kRange scores that fit the rows are still computed, for information).'),
  sampleSize: z.number().int().min(2).default(10_000).describe('Rows sampled (seeded) to score each k: inertia, silhouette and Calinski-Harabasz.'),
  // Seeds feed 32-bit generators: outside 0..2^32-1 two different seeds would silently collide.
  seed: z
    .number()
    .int('must be an integer')
    .min(0, 'must be between 0 and 4294967295 (2^32 - 1)')
    .max(0xffff_ffff, 'must be between 0 and 4294967295 (2^32 - 1)')
    .default(0)
    .describe("Seed of every random choice (sampling, k-means++), 0 to 4294967295 (2^32 - 1): the same data and seed give the same segments. 0 is scikit-learn's `random_state=0`."),
  nInit: z.number().int().min(1).default(DEFAULT_N_INIT).describe('k-means++ restarts per k; the lowest inertia is kept.'),
  maxIter: z.number().int().min(1).default(300).describe('Maximum Lloyd iterations per restart.'),
  tol: z
    .number()
    .gte(0)
    .refine(Number.isFinite, { message: 'must be finite' })
    .default(1e-4)
    .describe("Relative tolerance (scikit-learn's definition) on the centroid shift that ends Lloyd's iterations."),
  selection: z
    .enum(['elbow', 'silhouette', 'stability'])
    .default('elbow')
    .describe(
      'How k is chosen when `k` is not given: `elbow`, the Kneedle elbow of the inertia curve; `silhouette`, the best silhouette; or `stability`, the most reproducible k (highest mean adjusted Rand index between fits on bootstrap resamples; the largest k within 0.005 of the best). Without an elbow the silhouette choice is used and the reason says so.',
    ),
});

/** Options with every default filled in (the schema's output). */
export type SegmentationOptions = z.output<typeof segmentationOptionsSchema>;
/** What a caller may pass (the schema's input): only `userId` is required. */
export type SegmentationOptionsInput = z.input<typeof segmentationOptionsSchema>;
export type PriorityTier = 'high' | 'med' | 'low';

function codeFor(path: ReadonlyArray<PropertyKey>): SegmentationErrorCode {
  const head = path[0];
  if (head === 'priorityFactors') return 'BAD_FACTOR';
  if (head === 'k' || head === 'kRange') return 'K_OUT_OF_RANGE';
  return 'BAD_OPTION';
}

/**
 * Validates `input` and fills the defaults. Throws {@link SegmentationInputError} (code
 * BAD_FACTOR for priority factors, K_OUT_OF_RANGE for k / kRange, BAD_OPTION otherwise) whose
 * message names the option, the value given and what is expected.
 */
export function parseOptions(input: unknown): SegmentationOptions {
  const r = segmentationOptionsSchema.safeParse(input);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path;
  const name = path.length > 0 ? path.map(String).join('.') : '(options)';
  const given = valueAt(input, path);
  const shown = given === undefined ? 'nothing' : safeJson(given);
  const all = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(options)'}: ${i.message}`);
  throw new SegmentationInputError(codeFor(path), `option ${name} is invalid (${issue.message}); got ${shown}. Fix the option and run again.`, {
    value: shown,
    details: { option: name, issues: all },
  });
}

function valueAt(input: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v: unknown = input;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[p];
  }
  return v;
}

function safeJson(v: unknown): string {
  if (typeof v === 'number') return String(v); // NaN and Infinity print as themselves
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}

/**
 * The k checks that need the data, kept beside the schema: an explicit `k` must be < rows; when
 * k is chosen from `kRange`, kRange.max must be < the rows scored (min(rows, sampleSize)).
 * Returns the k values to score: all of kRange, or (with an explicit k, when scores are only
 * informative) the part of kRange that fits the rows, possibly none. Throws K_OUT_OF_RANGE.
 */
export function kCandidates(opts: SegmentationOptions, rows: number, table: string): number[] {
  const scored = Math.min(rows, opts.sampleSize);
  if (opts.k !== undefined && opts.k >= rows) {
    throw new SegmentationInputError('K_OUT_OF_RANGE', `k = ${opts.k} segments needs more than ${opts.k} customers, but table ${table} has ${rows}; choose k between 2 and ${rows - 1}.`, {
      table,
      value: String(opts.k),
      details: { rows },
    });
  }
  if (opts.k === undefined && opts.kRange.max >= scored) {
    throw new SegmentationInputError(
      'K_OUT_OF_RANGE',
      `kRange ${opts.kRange.min}..${opts.kRange.max} does not fit table ${table}: k must stay below the ${scored} rows scored (min(rows ${rows}, sampleSize ${opts.sampleSize})); set kRange.max to at most ${scored - 1}${scored - 1 < opts.kRange.min ? ' and lower kRange.min' : ''}, or pass an explicit k.`,
      { table, value: `${opts.kRange.min}..${opts.kRange.max}`, details: { rows, sampleSize: opts.sampleSize } },
    );
  }
  const ks: number[] = [];
  for (let k = opts.kRange.min; k <= Math.min(opts.kRange.max, scored - 1); k++) ks.push(k);
  return ks;
}
