import { resolve } from 'node:path';
import { ConfigFileError, readConfigFile } from '../config/configFile';
import { fromOriginalNames, withOriginalNames } from '../config/originalNames';
import { RunConfigError, parseRunConfig, type RunConfig } from '../config/runConfig';
import type { Command } from 'commander';
import { CliUsageError } from './exitCodes';

/** The flags of `autoseg run`, as commander hands them over. */
export interface RunFlags {
  input?: string;
  inputTable?: string;
  sourceTable?: string;
  sourceSql?: string;
  userId?: string;
  k?: string;
  kMin?: string;
  kMax?: string;
  exclude?: string;
  categorical?: string;
  keepTopCategories?: string;
  priorityHigh?: string;
  priorityMed?: string;
  priorityLow?: string;
  seed?: string;
  sampleSize?: string;
  engine?: string;
  engineThreshold?: string;
  trainingSampleSize?: string;
  selection?: string;
  outputTable?: string;
  out?: string;
  config?: string;
  runKey?: string;
  keepStage?: boolean;
  reasons?: boolean;
}

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);

/** `--exclude`: split at commas outside brackets, so `re:a{1,3}` and the glob `[a,b]*` stay one entry. */
function entries(v: string | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let from = 0;
  for (let i = 0; i <= v.length; i++) {
    const ch = v[i];
    if (i === v.length || (ch === ',' && depth === 0 && !inClass)) {
      out.push(v.slice(from, i).trim());
      from = i + 1;
    } else if (ch === '\\' && i + 1 < v.length) i++;
    else if (inClass) inClass = ch !== ']';
    else if (ch === '[') inClass = true;
    else if (ch === '(' || ch === '{') depth++;
    else if ((ch === ')' || ch === '}') && depth > 0) depth--;
  }
  return out.filter(Boolean);
}

function int(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v.trim())) throw new CliUsageError(`--${name} must be a whole number, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** The config file's settings, with the original implementation's names translated. */
function configFromFile(path: string): { base: Record<string, unknown>; renamed: ReadonlyMap<string, string> } {
  let raw: Record<string, unknown>;
  try {
    raw = readConfigFile(path);
  } catch (e) {
    throw e instanceof ConfigFileError ? new CliUsageError(e.message) : e;
  }
  const { config, renamed } = fromOriginalNames(raw);
  return { base: config as Record<string, unknown>, renamed };
}

/** Flags over the config file over the defaults, parsed by the one run-config schema. */
export function runConfigFromFlags(flags: RunFlags): RunConfig {
  const { base, renamed } = flags.config ? configFromFile(flags.config) : { base: {}, renamed: new Map<string, string>() };
  const sources = [flags.input, flags.sourceTable, flags.sourceSql].filter((s) => s !== undefined);
  if (sources.length > 1) throw new CliUsageError('give only one of --input, --source-table, --source-sql');
  if (flags.outputTable && flags.out) throw new CliUsageError('give only one of --output-table, --out');
  const merged: Record<string, unknown> = { ...base };
  if (flags.input) merged.source = { kind: 'file', path: resolve(flags.input), ...(flags.inputTable ? { table: flags.inputTable } : {}) };
  if (flags.sourceTable) merged.source = { kind: 'table', table: flags.sourceTable };
  if (flags.sourceSql) merged.source = { kind: 'sql', sql: flags.sourceSql };
  if (flags.outputTable) merged.output = { kind: 'table', table: flags.outputTable };
  if (flags.out) merged.output = { kind: 'dir', dir: resolve(flags.out) };
  if (merged.output === undefined && merged.source !== undefined) merged.output = { kind: 'dir', dir: resolve('autoseg-output') };
  const set = (key: string, value: unknown) => {
    if (value !== undefined) merged[key] = value;
  };
  set('userId', flags.userId);
  set('k', int('k', flags.k));
  if (flags.kMin !== undefined || flags.kMax !== undefined) {
    const prev = (base.kRange ?? {}) as { min?: number; max?: number };
    merged.kRange = { min: int('k-min', flags.kMin) ?? prev.min ?? 2, max: int('k-max', flags.kMax) ?? prev.max ?? 10 };
  }
  set('exclude', entries(flags.exclude));
  set('categorical', list(flags.categorical));
  set('keepTopCategories', int('keep-top-categories', flags.keepTopCategories));
  if (flags.priorityHigh || flags.priorityMed || flags.priorityLow) {
    const prev = (base.priority ?? {}) as Record<string, string[]>;
    merged.priority = { high: list(flags.priorityHigh) ?? prev.high ?? [], med: list(flags.priorityMed) ?? prev.med ?? [], low: list(flags.priorityLow) ?? prev.low ?? [] };
  }
  set('seed', int('seed', flags.seed));
  set('sampleSize', int('sample-size', flags.sampleSize));
  set('engine', flags.engine);
  set('engineThreshold', int('engine-threshold', flags.engineThreshold));
  set('trainingSampleSize', int('training-sample-size', flags.trainingSampleSize));
  set('selection', flags.selection);
  set('runKey', flags.runKey);
  if (flags.keepStage) merged.keepStage = true;
  if (flags.reasons) merged.reasons = true;
  if (merged.source === undefined) throw new CliUsageError('no source: give --input FILE, --source-table catalog.schema.table or --source-sql "SELECT ..." (or `source` / `input_table` in --config)');
  if (merged.userId === undefined) throw new CliUsageError('no user id column: give --user-id COLUMN (or `userId` / `user_id` in --config)');
  try {
    return parseRunConfig(merged);
  } catch (e) {
    throw e instanceof RunConfigError ? withOriginalNames(e, renamed) : e;
  }
}

/** The source, output and engine flags shared by `run` and `schedule create`. */
export function addRunOptions(cmd: Command): Command {
  return cmd
    .option('--input <file>', 'a CSV, Parquet or .duckdb file (read by the embedded DuckDB)')
    .option('--input-table <name>', 'the table inside a .duckdb file')
    .option('--source-table <catalog.schema.table>', 'a Trino table')
    .option('--source-sql <sql>', 'a Trino SELECT')
    .option('--user-id <column>', 'the unique customer id column')
    .option('--k <n>', 'the number of segments (overrides the elbow / silhouette choice)')
    .option('--k-min <a>', 'smallest k scored (default 2)')
    .option('--k-max <b>', 'largest k scored (default 10)')
    .option('--exclude <a,b>', 'columns to leave out, by name, glob, or re:REGEX (anchored, case-insensitive)')
    .option('--categorical <a,b>', 'numeric columns of integer codes to treat as categorical (each value its own category)')
    .option('--keep-top-categories <n>', 'keep the n most frequent values of a categorical with no value on minCategoryShare of rows, instead of dropping it (default 0)')
    .option('--priority-high <a,b>', 'features weighted x3')
    .option('--priority-med <c>', 'features weighted x2')
    .option('--priority-low <d>', 'features weighted x1.5')
    .option('--seed <n>', 'seed of every random choice (default 0)')
    .option('--sample-size <n>', 'rows sampled to score each k (default 10000)')
    .option('--engine <mode>', 'worker | trino | auto (default auto: trino when source and output are Trino and the source has more rows than --engine-threshold)')
    .option('--engine-threshold <rows>', 'rows above which auto picks trino (default 1000000)')
    .option('--training-sample-size <n>', 'trino engine: rows sampled to score k and train (default 200000)')
    .option('--selection <how>', 'elbow | silhouette | stability (default elbow)')
    .option('--output-table <catalog.schema.table>', 'the Trino table to replace with the segments')
    .option('--out <dir>', 'a directory for segments.csv, summary.json, model.json, report.html')
    .option('--config <file>', "a YAML or JSON run config (autoseg's or the original's parameter names); flags override it")
    .option('--run-key <key>', 'an idempotency key: a run with the same key is started only once')
    .option('--keep-stage', 'keep intermediate data after success')
    .option('--reasons', 'add reason_1..reason_3 to the segment table: the features that most keep each customer in its segment');
}
