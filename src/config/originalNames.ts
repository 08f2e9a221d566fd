import { REGEX_PREFIX } from '../segmentation/columnRules';
import { RunConfigError, parseRunConfig, type RunConfig } from './runConfigSchema';

/**
 * The original implementation's parameter names (the Python `td_ml_autosegmentation`, see
 * shared/reference/original.md), accepted in `--config` files and HTTP trigger bodies beside
 * autoseg's own, and what became of its outputs. {@link ORIGINAL_PARAMETERS} drives both the
 * translation and the README's mapping table ({@link originalNamesMarkdown}; a unit test checks
 * that the README holds exactly that table, `npx tsx scripts/original-names-readme.ts` rewrites
 * it). Translation happens before the zod schema, so unknown keys are still rejected by name.
 * The workflow's own input takes autoseg's names only. No Node API here.
 */

type Path = readonly string[];

export interface OriginalParameter {
  /** The original's parameter name. */
  readonly original: string;
  /** The autoseg setting it becomes, for the README. */
  readonly autoseg: string;
  /** How its value is carried over, for the README. */
  readonly note: string;
  /** The autoseg settings a (non-null) value becomes, as [path, value] pairs. */
  readonly translate: (value: unknown) => [Path, unknown][];
}

/** A file name (read by the embedded DuckDB) rather than Treasure Data's `database.table`. */
const looksLikeFile = (v: string): boolean => /[\\/]/.test(v) || /\.(csv|tsv|parquet|duckdb)(\.gz|\.zst)?$/i.test(v);

/** The original's `excl` is a regular expression (or a list of them): each becomes a `re:` entry. */
const asRegexEntry = (v: unknown): unknown => (typeof v === 'string' && !v.startsWith(REGEX_PREFIX) ? `${REGEX_PREFIX}${v}` : v);

const coefficient = (tier: 'high' | 'med' | 'low', dflt: number): OriginalParameter => ({
  original: `${tier}_coeff`,
  autoseg: `\`priorityFactors.${tier}\``,
  note: `a real number > 0 (the original cast it to an integer, so 0.5 became 0, and defaulted to 1: no weighting); autoseg's default is ${dflt}`,
  translate: (v) => [[['priorityFactors', tier], v]],
});

export const ORIGINAL_PARAMETERS: readonly OriginalParameter[] = [
  {
    original: 'input_table',
    autoseg: '`source`',
    note: "`db.table` becomes a Trino table `{kind: table, table: 'db.table'}` (Trino's `schema.table`; `catalog.schema.table` works too); a path (with `/`) or a `.csv`, `.tsv`, `.parquet`, `.duckdb` name becomes a file source `{kind: file, path}`",
    translate: (v) => [[['source'], typeof v === 'string' ? (looksLikeFile(v) ? { kind: 'file', path: v } : { kind: 'table', table: v }) : v]],
  },
  {
    original: 'user_id',
    autoseg: '`userId`',
    note: 'the same: the unique customer id column (must be non-null and unique, or the run fails with a clear error)',
    translate: (v) => [[['userId'], v]],
  },
  {
    original: 'excl',
    autoseg: '`exclude`',
    note: "the original's `excl` is a regular expression: a string, or each entry of a list, becomes one `re:` entry (`excl: 'tmp_.*|score'` is `exclude: ['re:tmp_.*|score']`). autoseg matches it against the whole column name, case-insensitively: write `.*score.*` for a name that merely contains `score`",
    translate: (v) => [[['exclude'], Array.isArray(v) ? v.map(asRegexEntry) : typeof v === 'string' ? [asRegexEntry(v)] : v]],
  },
  {
    original: 'priority_features',
    autoseg: '`priority`',
    note: "the same shape `{high: [...], med: [...], low: [...]}` (a Python dict literal is valid YAML); autoseg lists feature (input column) names, not regular expressions, and a name that is not a column fails the run naming it; a categorical's dummies follow their column",
    translate: (v) => [[['priority'], v]],
  },
  coefficient('high', 3),
  coefficient('med', 2),
  coefficient('low', 1.5),
  {
    original: 'k',
    autoseg: '`k`, or `kRange`',
    note: 'a number is the fixed number of segments, as in the original; a list `[min, max]` becomes `kRange: {min, max}`, the k scored when choosing (the original always tried 2..10)',
    translate: (v) => [Array.isArray(v) && v.length === 2 ? [['kRange'], { min: v[0], max: v[1] }] : [['k'], v]],
  },
];

/** The original's outputs and where autoseg puts the same information, for the README. */
export const ORIGINAL_OUTPUTS: readonly { readonly original: string; readonly autoseg: string }[] = [
  {
    original: '`final_cluster_table` (user id, cluster, `cluster_label` = `cluster_N`)',
    autoseg: '`segments.csv` (user id, `segment`, `segment_label`), or the output table `T` (also `run_id`, `created_at`)',
  },
  { original: 'the session id stamped on every table', autoseg: '`run_id` in the output table; `runId` in `summary.json` (the Temporal workflow id)' },
  {
    original: 'the encoding rules table (the data dictionary)',
    autoseg: '`dataDictionary` in `summary.json`, `dictionary` in `model.json` / `T_model`: every column with its treatment, or why it was dropped',
  },
  { original: '`as_model1` (scaler and centroids)', autoseg: '`model.json` / `T_model`; `autoseg assign` and `autoseg sql` score new customers with it' },
  {
    original: '`best_k` and the scores per k (the wss and silhouette rows)',
    autoseg: '`k`, `elbowK`, `silhouetteK`, `choice` and `scores` (inertia, silhouette, Calinski-Harabasz per k) in `summary.json`',
  },
  {
    original: 'feature importances, compactness, information gain',
    autoseg: '`explanation.features` (compactness, information gain, purity) and `explanation.importance` (permutation importance) in `summary.json`',
  },
  { original: 'SHAP values', autoseg: "`explanation.attribution` and each segment's `distanceShares` in `summary.json`" },
  { original: 'histograms and plotly charts', autoseg: '`report.html`: one self-contained file that opens offline' },
];

/** The README's mapping tables (parameters, then outputs). */
export function originalNamesMarkdown(): string {
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| the original | autoseg | how |',
    '|---|---|---|',
    ...ORIGINAL_PARAMETERS.map((p) => `| \`${p.original}\` | ${p.autoseg} | ${cell(p.note)} |`),
    '',
    '| the original writes | autoseg writes |',
    '|---|---|',
    ...ORIGINAL_OUTPUTS.map((o) => `| ${cell(o.original)} | ${cell(o.autoseg)} |`),
  ].join('\n');
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x)
      ? Object.fromEntries(
          Object.keys(x)
            .sort()
            .map((k) => [k, (x as Record<string, unknown>)[k]]),
        )
      : x,
  ) ?? 'undefined';

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

export interface Translated {
  /** The config with autoseg's names (input that is not an object is returned as it is). */
  readonly config: unknown;
  /** Each autoseg setting set from an original name (`priorityFactors.high` -> `high_coeff`). */
  readonly renamed: ReadonlyMap<string, string>;
}

/**
 * Rewrites the original's parameter names into autoseg's. A `null` value (Python's `None`) is
 * the default, as in the original. Throws RunConfigError when an original name and its autoseg
 * equivalent are both given with different values (the same value is accepted).
 */
export function fromOriginalNames(input: unknown): Translated {
  const renamed = new Map<string, string>();
  if (!isRecord(input)) return { config: input, renamed };
  const out: Record<string, unknown> = { ...input };
  const given = ORIGINAL_PARAMETERS.filter((p) => Object.hasOwn(input, p.original));
  for (const p of given) delete out[p.original];
  const issues: string[] = [];
  for (const p of given) {
    const value = input[p.original];
    if (value === null) continue;
    for (const [path, v] of p.translate(value)) {
      const key = path.join('.');
      let parent: Record<string, unknown> | undefined = out;
      for (const part of path.slice(0, -1)) {
        const inner: unknown = parent[part];
        if (inner !== undefined && !isRecord(inner)) {
          parent = undefined;
          break;
        }
        parent = parent[part] = { ...inner };
      }
      const leaf = path[path.length - 1];
      if (parent === undefined) {
        issues.push(`${p.original}: the original's name for ${key}, but ${path[0]} is also given and is not an object: give only one of them`);
        continue;
      }
      const before = parent[leaf];
      if (before !== undefined && canonical(before) !== canonical(v)) {
        issues.push(`${p.original}: the original's name for ${key}, given as ${canonical(value)}, but ${key} is also given, as ${canonical(before)}: give only one of them`);
        continue;
      }
      parent[leaf] = v;
      if (key !== p.original) renamed.set(key, p.original);
    }
  }
  if (issues.length > 0) throw new RunConfigError(issues);
  return { config: out, renamed };
}

/** Adds to each issue about a renamed setting the original name it was given as. */
export function withOriginalNames(err: RunConfigError, renamed: ReadonlyMap<string, string>): RunConfigError {
  if (renamed.size === 0) return err;
  const note = (issue: string): string => {
    for (const [key, original] of renamed) if (issue.startsWith(`${key}:`) || issue.startsWith(`${key}.`)) return `${issue} (given as ${original})`;
    return issue;
  };
  return new RunConfigError(err.issues.map(note));
}

/** A run config document (a config file's content, an HTTP body) in either naming, parsed. */
export function parseConfigDocument(input: unknown): RunConfig {
  const { config, renamed } = fromOriginalNames(input);
  try {
    return parseRunConfig(config);
  } catch (e) {
    throw e instanceof RunConfigError ? withOriginalNames(e, renamed) : e;
  }
}
