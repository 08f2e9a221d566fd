/**
 * The model as a SELECT: compiles a fitted segmentation model (model.json) into one Trino query
 * over a source table or SELECT that gives every customer the segment `assign` would give it,
 * bit for bit, so the assignment can live in a view or a dbt model and run where the data is.
 *
 * The query is a chain of four CTEs:
 *
 *   autoseg_read      every feature column read exactly as the engine reads it (read.ts); a
 *                     numeric column made categorical by the `categorical` option as the text
 *                     of its number (read.ts codeTextExpression), plus the number itself for
 *                     the NaN / Infinity check when its type can hold them
 *   autoseg_encoded   x_j per matrix column, by encode.ts's rules:
 *                     continuous  ((COALESCE(r, median) - min) / (max - min)) * weight
 *                                 (0 when max = min; no clipping outside the training range)
 *                     binary      on / off constant: r = oneValue (null and unseen values: off)
 *                     dummies     on / off constant per kept value (null is a value of its own);
 *                                 `other` is on for any value not kept (so unseen values land
 *                                 there), no `other` means all dummies off
 *                     the on / off constants are computed here in JavaScript with encode.ts's
 *                     own expressions ((1 - min) / range * w, (0 - min) / range * w) and printed
 *                     as exact DOUBLE literals
 *   autoseg_distance  d_c = (x_0 - c_c0) * (x_0 - c_c0) + (x_1 - c_c1) * (x_1 - c_c1) + ...,
 *                     feature 0 first, left to right: the same IEEE double operations in the
 *                     same order as the engine's kernels (kernels.ts, no fused multiply-add
 *                     on either side), hence the same bits
 *   autoseg_segment   argmin with the engine's tie rule: the lowest c with d_c <= d_c' for
 *                     every c' > c, i.e. the lowest segment number among the exact minima
 *
 * then the user id (as in the source), `segment` (integer), `segment_label` (varchar) and any
 * extra source columns asked for; with the `matrix` option also every row's x_j
 * (`autoseg_x0`, ...) and `autoseg_dmin`, its d_c for its segment (the full-table Lloyd step of
 * lloydSelect.ts sums these).
 *
 * One difference from `assign`: a NaN or Infinity in a numeric feature makes `assign` refuse the
 * whole table (NON_FINITE_VALUE); the query cannot refuse, so such a row gets a NULL segment and
 * label. Every other row gets exactly the engine's segment.
 */
import { validateModel, type SegmentationModel } from '../../segmentation/artifact';
import { featureEntries, type BinaryValue, type FeatureEntry } from '../../segmentation/dictionary';
import { SegmentationInputError, show } from '../../segmentation/errors';
import { WarehouseInputError } from '../errors';
import { parseTableRef, quoteIdentifier, quoteTableRef } from '../identifiers';
import { doubleLiteral, lowestMinimumBranches, stringLiteral } from './literals';
import { codeTextExpression, mayBeNonFinite, readExpression } from './read';
import { reasonColumn, reasonExpressions } from './reasonsSelect';
import type { Source } from '../warehouse';

/** Where the customers come from: a table (`catalog.schema.table`, or shorter for the session's defaults) or one SELECT. */
export interface ModelSelectSource {
  readonly table?: string;
  readonly sql?: string;
}

/** A warehouse source as the compiled SELECT reads it; a file cannot be read inside Trino. */
export function modelSource(source: Source): ModelSelectSource {
  if (source.kind === 'table') return { table: source.table };
  if (source.kind === 'sql') return { sql: source.sql };
  throw new WarehouseInputError('UNSUPPORTED_SOURCE', `the model runs inside Trino and cannot read the file ${source.path}`);
}

export interface ModelSelectOptions {
  /** The user id column of the source; default the model's (dictionary.userId). Output as it is in the source. */
  readonly userId?: string;
  /** Output `segment_label` (default true). */
  readonly labels?: boolean;
  /** Further source columns passed through after the user id (e.g. for joins), as they are. */
  readonly extraColumns?: readonly string[];
  /**
   * The source's column types (name -> Trino type, e.g. from `TrinoWarehouse.describe`). When
   * given, they decide how each column is read (and a missing column or a kind mismatch is an
   * error now rather than when the query runs); else the types recorded in the model's
   * dictionary at training time are used.
   */
  readonly columnTypes?: Readonly<Record<string, string>>;
  /**
   * Also output every row's encoded matrix values `autoseg_x0` .. `autoseg_x{d-1}` (DOUBLE, the
   * engine's matrix row) and `autoseg_dmin` (DOUBLE, the squared distance to its segment's
   * centroid, i.e. the smallest d_c, as the engine's inertia adds it; NULL with a NULL segment),
   * after the other columns. Default false: the output is then exactly the assignment query.
   */
  readonly matrix?: boolean;
  /**
   * Also output, per feature f of the dictionary (feature order), `autoseg_v{f}`: what the
   * engine's explanations count (featureProfiles.ts): a continuous feature's value after
   * imputation (DOUBLE), a binary feature's bit (0 / 1), a categorical feature's category code
   * (0.. in kept order, then `other`; -1 for a value in no category). Default false.
   */
  readonly featureValues?: boolean;
  /**
   * Also output `reason_1` .. `reason_<n>` (varchar): per customer, the features that most keep it
   * in its segment rather than the nearest other one (reasonsSelect.ts; the same names as
   * attribution.ts's customerReasons). Default 0: none.
   */
  readonly reasons?: number;
}

/** The names of the columns the `matrix` option adds: matrix column j, and the squared distance. */
export const matrixColumn = (j: number): string => `autoseg_x${j}`;
/** The name of the column the `featureValues` option adds for feature f. */
export const featureValueColumn = (f: number): string => `autoseg_v${f}`;
export const DMIN_COLUMN = 'autoseg_dmin';

/** Names of the output columns the query adds. */
export const SEGMENT_COLUMN = 'segment';
export const SEGMENT_LABEL_COLUMN = 'segment_label';

function bad(message: string): SegmentationInputError {
  return new SegmentationInputError('BAD_ARTIFACT', `${message}; rebuild the model with this version of autoseg.`, {});
}

function finite(x: unknown, what: string): number {
  if (typeof x !== 'number' || !Number.isFinite(x)) throw bad(`the model's ${what} is ${String(x)}, not a finite number`);
  return x;
}

/** The FROM clause for a source, with the same checks as TrinoWarehouse (plain identifiers; one SELECT). */
function fromClause(source: ModelSelectSource): string {
  if ((source.table === undefined) === (source.sql === undefined)) {
    throw new WarehouseInputError('UNSUPPORTED_SOURCE', 'give the source as either a table or a SQL SELECT (exactly one of them)');
  }
  if (source.table !== undefined) return quoteTableRef(parseTableRef(source.table));
  const sql = (source.sql as string).trim().replace(/;+\s*$/, '');
  if (!/^(\(|select\b|with\b|values\b|table\b)/i.test(sql)) {
    throw new WarehouseInputError('INVALID_SQL', 'a SQL source must be a single SELECT (or WITH ... SELECT) statement');
  }
  return `(\n${sql}\n) AS autoseg_source`;
}

/** The type the column is read with: the described one (case-insensitive name) or the model's. */
function typeOf(e: FeatureEntry, columnTypes: Readonly<Record<string, string>> | undefined): string | null {
  if (columnTypes === undefined) return typeof e.sourceType === 'string' ? e.sourceType : null;
  const exact = columnTypes[e.column];
  if (exact !== undefined) return exact;
  const key = Object.keys(columnTypes).find((k) => k.toLowerCase() === e.column.toLowerCase());
  if (key === undefined) {
    throw new SegmentationInputError('MISSING_COLUMN', `the source has no column ${show(e.column)}, which the model uses as a feature; add the column (nulls are allowed).`, { column: e.column });
  }
  return columnTypes[key];
}

/** `r = value` for a binary / dummy value of the read expression `r` (numbers as doubles, null as IS NULL). */
function equals(r: string, value: BinaryValue, kind: 'numeric' | 'categorical'): string {
  if (value === null) return `${r} IS NULL`;
  if (kind === 'numeric') {
    if (typeof value !== 'number') throw bad(`a numeric binary value is ${show(String(value))}`);
    return `${r} = ${doubleLiteral(finite(value, 'binary value'))}`;
  }
  if (typeof value !== 'string') throw bad(`a categorical value is ${String(value)}`);
  return `${r} = ${stringLiteral(value)}`;
}

/** encode.ts's constant for a 0 / 1 matrix column: ((bit - min) / (max - min)) * weight. */
function bitValue(model: SegmentationModel, j: number, bit: 0 | 1): string {
  const lo = model.scaler.min[j];
  const v = ((bit - lo) / (model.scaler.max[j] - lo)) * model.weights[j];
  if (!Number.isFinite(v)) throw bad(`matrix column ${j} (${show(model.featureColumns[j]?.name ?? '?')}) scales 0 / 1 to ${v}`);
  return doubleLiteral(v);
}

const x = matrixColumn;
const d = (c: number): string => `autoseg_d${c}`;

/**
 * The SELECT that assigns every customer of `source` to its segment with `model` (see the file
 * comment). Validates the model (BAD_ARTIFACT) and the names; throws before producing any SQL.
 */
export function modelSelect(modelInput: unknown, source: ModelSelectSource, options: ModelSelectOptions = {}): string {
  const model = validateModel(modelInput);
  const dim = model.featureColumns.length;
  model.scaler.min.forEach((v, j) => finite(v, `scaler minimum of column ${j}`));
  model.scaler.max.forEach((v, j) => finite(v, `scaler maximum of column ${j}`));
  model.weights.forEach((v, j) => finite(v, `weight of column ${j}`));
  if (!Array.isArray(model.dictionary.columns)) throw bad('the model has no data dictionary columns');
  if (!Number.isSafeInteger(model.k) || model.k < 1) throw bad(`the model's k is ${String(model.k)}`);

  const userId = options.userId ?? model.dictionary.userId;
  if (typeof userId !== 'string' || userId.length === 0) throw new WarehouseInputError('INVALID_IDENTIFIER', 'no user id column: the model names none; pass userId');
  const extras = [...(options.extraColumns ?? [])];
  const labels = options.labels ?? true;
  const withMatrix = options.matrix ?? false;
  const withValues = options.featureValues ?? false;
  const reasonCount = options.reasons ?? 0;
  // The reasons need every row's x_j and d_c after the assignment.
  const carryMatrix = withMatrix || reasonCount > 0;
  const outputs = [
    userId,
    ...extras,
    SEGMENT_COLUMN,
    ...(labels ? [SEGMENT_LABEL_COLUMN] : []),
    ...(withMatrix ? [...Array.from({ length: dim }, (_, j) => x(j)), DMIN_COLUMN] : []),
    ...(withValues ? featureEntries(model.dictionary).map((_, f) => featureValueColumn(f)) : []),
    ...Array.from({ length: reasonCount }, (_, t) => reasonColumn(t + 1)),
  ];
  const seen = new Set<string>();
  for (const name of outputs) {
    if (seen.has(name.toLowerCase()))
      throw new WarehouseInputError('DUPLICATE_COLUMN', `the output would have two columns named ${show(name)} (user id, extra columns, ${SEGMENT_COLUMN}, ${SEGMENT_LABEL_COLUMN})`, { column: name });
    seen.add(name.toLowerCase());
  }
  const from = fromClause(source);

  // autoseg_read: one read expression per feature.
  const features = featureEntries(model.dictionary);
  const covered = new Array<boolean>(dim).fill(false);
  const reads: string[] = [];
  const okTerms: string[] = [];
  const encoded: string[] = new Array<string>(dim);
  const values: string[] = [];
  features.forEach((e, f) => {
    const r = `autoseg_r${f}`;
    if (e.sourceKind !== 'numeric' && e.sourceKind !== 'categorical') throw bad(`feature ${show(e.column)} has the kind ${String(e.sourceKind)}`);
    const type = typeOf(e, options.columnTypes);
    const read = readExpression(quoteIdentifier(e.column), e.column, type, e.sourceKind);
    // A `categorical` numeric column: its values' text, read as the engine's codes.ts writes them.
    const asText = e.categoricalOverride === true;
    if (asText && (e.sourceKind !== 'numeric' || e.treatment === 'continuous')) throw bad(`feature ${show(e.column)} is marked categoricalOverride but is ${e.sourceKind} ${e.treatment}`);
    const kind = asText ? 'categorical' : e.sourceKind;
    reads.push(`${asText ? codeTextExpression(read) : read} AS ${r}`);
    if (!Array.isArray(e.columns) || e.columns.length === 0) throw bad(`feature ${show(e.column)} has no matrix columns`);
    for (const j of e.columns) {
      if (!Number.isSafeInteger(j) || j < 0 || j >= dim || covered[j]) throw bad(`feature ${show(e.column)} names the matrix column ${j}, out of range or already used`);
      covered[j] = true;
    }
    if (e.sourceKind === 'numeric' && mayBeNonFinite(type)) {
      if (asText) reads.push(`${read} AS autoseg_n${f}`);
      okTerms.push(`COALESCE(is_finite(${asText ? `autoseg_n${f}` : r}), true)`);
    }

    if (e.treatment === 'continuous') {
      if (e.sourceKind !== 'numeric' || e.columns.length !== 1) throw bad(`continuous feature ${show(e.column)} is not one numeric column`);
      const j = e.columns[0];
      const lo = model.scaler.min[j];
      const range = model.scaler.max[j] - lo;
      const median = finite(e.median, `median of ${show(e.column)}`);
      encoded[j] = range === 0 ? '0e0' : `((COALESCE(${r}, ${doubleLiteral(median)}) - ${doubleLiteral(lo)}) / ${doubleLiteral(range)}) * ${doubleLiteral(model.weights[j])}`;
      values.push(`COALESCE(${r}, ${doubleLiteral(median)})`);
    } else if (e.treatment === 'binary') {
      if (e.columns.length !== 1) throw bad(`binary feature ${show(e.column)} has ${e.columns.length} matrix columns`);
      const j = e.columns[0];
      encoded[j] = `CASE WHEN ${equals(r, e.oneValue, kind)} THEN ${bitValue(model, j, 1)} ELSE ${bitValue(model, j, 0)} END`;
      values.push(`CASE WHEN ${equals(r, e.oneValue, kind)} THEN 1 ELSE 0 END`);
    } else if (e.treatment === 'dummies') {
      if (kind !== 'categorical' || !Array.isArray(e.kept)) throw bad(`dummies feature ${show(e.column)} is not categorical`);
      const hasOther = e.other !== null && e.other !== undefined;
      if (e.columns.length !== e.kept.length + (hasOther ? 1 : 0))
        throw bad(`dummies feature ${show(e.column)} has ${e.columns.length} matrix columns for ${e.kept.length} values${hasOther ? ' and other' : ''}`);
      e.kept.forEach((k, t) => {
        const j = e.columns[t];
        encoded[j] = `CASE WHEN ${equals(r, k.value, 'categorical')} THEN ${bitValue(model, j, 1)} ELSE ${bitValue(model, j, 0)} END`;
      });
      if (hasOther) {
        const j = e.columns[e.kept.length];
        const nullKept = e.kept.some((k) => k.value === null);
        const values = e.kept.filter((k) => k.value !== null).map((k) => stringLiteral(k.value as string));
        const on = bitValue(model, j, 1);
        const off = bitValue(model, j, 0);
        const notNull = values.length > 0 ? `WHEN ${r} IN (${values.join(', ')}) THEN ${off} ` : '';
        encoded[j] = `CASE WHEN ${r} IS NULL THEN ${nullKept ? off : on} ${notNull}ELSE ${on} END`;
      }
      const codes = e.kept.map((k, t) => `WHEN ${equals(r, k.value, 'categorical')} THEN ${t}`);
      values.push(`CASE ${codes.join(' ')} ELSE ${hasOther ? e.kept.length : -1} END`);
    } else {
      throw bad(`feature ${show((e as FeatureEntry).column)} has the unknown treatment ${String((e as { treatment: unknown }).treatment)}`);
    }
  });
  const uncovered = covered.indexOf(false);
  if (uncovered >= 0) throw bad(`matrix column ${uncovered} belongs to no feature of the dictionary`);

  const carried = ['autoseg_user_id', ...extras.map((_, i) => `autoseg_extra${i}`), ...(withValues ? values.map((_, f) => featureValueColumn(f)) : [])];
  const carry = carried.join(', ');
  // autoseg_encoded computes the feature values from autoseg_read's columns; later CTEs carry them.
  const carriedRead = ['autoseg_user_id', ...extras.map((_, i) => `autoseg_extra${i}`), ...(withValues ? values.map((v, f) => `${v} AS ${featureValueColumn(f)}`) : [])].join(', ');
  const ok = okTerms.length > 0;

  const distances = model.centroids.map((row, c) => {
    const terms = row.map((v, j) => {
      const t = `(${x(j)} - ${doubleLiteral(v)})`;
      return `${t} * ${t}`;
    });
    return `    ${terms.join('\n      + ')} AS ${d(c)}`;
  });

  const k = model.k;
  const argmin = k === 1 ? '0' : `CASE\n      ${lowestMinimumBranches(k, d)}\n    END`;
  const segment = ok ? `CASE WHEN NOT autoseg_ok THEN CAST(NULL AS integer) ELSE ${argmin} END` : argmin;

  const labelText = (c: number): string => {
    const l = model.segmentLabels?.[c];
    return typeof l === 'string' ? l : `segment ${c}`;
  };
  const labelExpr = `CAST(CASE ${quoteIdentifier(SEGMENT_COLUMN)}\n    ${model.centroids.map((_, c) => `WHEN ${c} THEN ${stringLiteral(labelText(c))}`).join('\n    ')}\n  END AS varchar)`;

  // With `matrix`, the x_j and d_c travel on to the last SELECT; d_min is d_c of the segment
  // (a CASE, not least(): the same value, and no failure on the NaN of a NULL-segment row).
  const xs = Array.from({ length: dim }, (_, j) => x(j)).join(', ');
  const ds = model.centroids.map((_, c) => d(c)).join(', ');
  const dmin = `CASE ${quoteIdentifier(SEGMENT_COLUMN)} ${model.centroids.map((_, c) => `WHEN ${c} THEN ${d(c)}`).join(' ')} END`;
  const finalColumns = [
    `autoseg_user_id AS ${quoteIdentifier(userId)}`,
    ...extras.map((name, i) => `autoseg_extra${i} AS ${quoteIdentifier(name)}`),
    quoteIdentifier(SEGMENT_COLUMN),
    ...(labels ? [`${labelExpr} AS ${quoteIdentifier(SEGMENT_LABEL_COLUMN)}`] : []),
    ...(withMatrix ? [xs, `${dmin} AS ${DMIN_COLUMN}`] : []),
    ...(withValues ? values.map((_, f) => featureValueColumn(f)) : []),
  ];
  const why = reasonCount > 0 ? reasonExpressions(model, reasonCount, x, d, quoteIdentifier(SEGMENT_COLUMN)) : null;
  if (why) finalColumns.push(...why.reasons);

  return [
    `-- autoseg: segment assignment compiled from a model (k = ${k}, ${dim} matrix columns); every row gets the segment \`autoseg assign\` gives it.`,
    'WITH autoseg_read AS (',
    '  SELECT',
    `    ${[`${quoteIdentifier(userId)} AS autoseg_user_id`, ...extras.map((name, i) => `${quoteIdentifier(name)} AS autoseg_extra${i}`), ...reads].join(',\n    ')}`,
    `  FROM ${from}`,
    '),',
    'autoseg_encoded AS (',
    '  SELECT',
    `    ${[carriedRead, ...(ok ? [`${okTerms.join(' AND ')} AS autoseg_ok`] : []), ...encoded.map((e, j) => `${e} AS ${x(j)}`)].join(',\n    ')}`,
    '  FROM autoseg_read',
    '),',
    'autoseg_distance AS (',
    '  SELECT',
    `    ${carry}${ok ? ', autoseg_ok' : ''},`,
    ...(carryMatrix ? [`    ${xs},`] : []),
    distances.join(',\n'),
    '  FROM autoseg_encoded',
    '),',
    'autoseg_segment AS (',
    '  SELECT',
    `    ${carry},`,
    ...(carryMatrix ? [`    ${xs}, ${ds},`] : []),
    `    ${segment} AS ${quoteIdentifier(SEGMENT_COLUMN)}`,
    '  FROM autoseg_distance',
    ')',
    ...(why ? [',autoseg_runner AS (', `  SELECT *,\n    ${why.runner}`, '  FROM autoseg_segment', '),', 'autoseg_reason AS (', `  SELECT *,\n    ${why.sorted}`, '  FROM autoseg_runner', ')'] : []),
    'SELECT',
    `  ${finalColumns.join(',\n  ')}`,
    `FROM ${why ? 'autoseg_reason' : 'autoseg_segment'}`,
  ].join('\n');
}
