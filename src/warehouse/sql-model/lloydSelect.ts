/**
 * One Lloyd iteration over a whole table as one aggregate query, for the full-table refinement
 * of pushdown mode (src/warehouse/trino-lloyd.ts): the model's SELECT (modelSelect.ts with the
 * `matrix` option: the same encoding, squared distances and tie rule, so every row gets exactly
 * the segment the engine gives it) wrapped in
 *
 *   SELECT segment, count(*), sum(x_0), ..., sum(x_{d-1}), sum(d_min) [, sum(x_j * x_j) ...]
 *   FROM (<model SELECT>) GROUP BY segment
 *
 * DETERMINISM. Trino's sum(double) adds in split / thread order, so its last bits change from run
 * to run. Every sum here is of DECIMALs instead: each double is CAST to DECIMAL(38, s) (Trino:
 * `BigDecimal.valueOf(x)`, i.e. Java's shortest round-trip digits, then rounded half-up to s
 * places: a function of the value alone) and DECIMAL addition is exact, so a sum is the same
 * number whatever the plan. JavaScript reads the exact decimal text as a BigInt and divides
 * exactly, rounding once to the nearest double (`ratioToDouble`): mean = sum / count. Same
 * table, same centroids: the same bits.
 *
 * RANGE (no overflow for up to MAX_ROWS = 1e10 rows). A DECIMAL(38, s) sum holds |sum| < 10^(38-s).
 * - x_j: DECIMAL(38, 18), guarded |x_j| < X_LIMIT = 1e9, so |sum| < 1e10 * 1e9 = 1e19 < 1e20.
 *   Training rows have 0 <= x_j <= weight; 1e9 is a value about 1e9 / weight training ranges
 *   outside the training range (a sentinel or a unit error, not a customer). Such a row makes
 *   the query fail with a message naming the column (`fail()`), never a wrong sum.
 * - d_min and x_j^2 (>= 0): two tiers, values below SPLIT = 1e8 at DECIMAL(38, 20) (|sum| <
 *   1e18), values in [1e8, 1e27) at DECIMAL(38, 0) (|sum| < 1e37); 1e27 or more fails the query.
 *   Both tiers are combined exactly in JavaScript at scale 20.
 * A decimal overflow would in any case be an error in Trino (NUMERIC_VALUE_OUT_OF_RANGE), never
 * a wrong result.
 *
 * ROUNDING BOUND. Each summed value is off by at most half an ulp of the double (the shortest
 * digits) plus half a unit of the scale's last place: x_j by <= ulp(x_j)/2 + 5e-19, d_min and
 * x^2 by <= ulp/2 + 5e-21 (below 1e8) or ulp/2 + 0.5 (from 1e8 on, i.e. <= 5e-9 relative).
 * A mean is then within max(|error|) of the exact mean of the rows' doubles, plus its own final
 * rounding (half an ulp): for x_j in [0, 3], about 2 ulps in all, while the engine's
 * double sums drift by up to about n * ulp. The engine and this query agree on the means to
 * ~1e-15 relative, not bit for bit; the query agrees with itself bit for bit.
 */
import { MODEL_FORMAT, MODEL_VERSION, type SegmentationModel } from '../../segmentation/artifact';
import { show } from '../../segmentation/errors';
import { scaledBigIntToDouble } from '../../segmentation/exactSum';
import { doubleLiteral, stringLiteral } from './literals';
import { DMIN_COLUMN, SEGMENT_COLUMN, matrixColumn, modelSelect, type ModelSelectSource } from './modelSelect';

/** What the refinement needs of a model: its encoding. Centroids come separately. A whole SegmentationModel is one. */
export type ModelParts = Pick<SegmentationModel, 'dictionary' | 'featureColumns' | 'scaler' | 'weights'>;

/** The row count the decimal ranges are sized for. */
export const MAX_ROWS = 1e10;
/** Scale of the sums of the matrix values. */
export const X_SCALE = 18;
/** Largest |x_j| (exclusive) a row may have: MAX_ROWS * X_LIMIT < 10^(38 - X_SCALE). */
export const X_LIMIT = 1e9;
/** Scale of the sums of non-negative values (d_min, x^2) below SQUARE_SPLIT; the rest are summed as integers. */
export const SQUARE_SCALE = 20;
export const SQUARE_SPLIT = 1e8;
/** Largest d_min or x^2 (exclusive): MAX_ROWS * SQUARE_LIMIT < 10^38. */
export const SQUARE_LIMIT = 1e27;
/** Marks our own `fail()` messages, so the caller can tell them from other query failures. */
export const RANGE_FAILURE = 'autoseg refinement:';

export interface LloydSelectOptions {
  /** The source's column types (see ModelSelectOptions.columnTypes). */
  readonly columnTypes?: Readonly<Record<string, string>>;
  /** Sum the matrix values per segment (default true; the final assignment only needs counts and d_min). */
  readonly sums?: boolean;
  /** Also sum x_j^2 per segment (for the variance behind the tolerance). Default false. */
  readonly squares?: boolean;
}

/** A model for modelSelect: the parts' encoding with these k x d centroids. */
export function modelWithCentroids(parts: ModelParts, centroids: Float64Array, k: number): SegmentationModel {
  const d = parts.featureColumns.length;
  if (!Number.isSafeInteger(k) || k < 1 || centroids.length !== k * d) throw new RangeError(`centroids have ${centroids.length} values, expected ${k} x ${d}`);
  const rows: number[][] = [];
  for (let c = 0; c < k; c++) rows.push(Array.from(centroids.subarray(c * d, (c + 1) * d)));
  // seed and options do not take part in the assignment; modelSelect never reads them.
  return {
    format: MODEL_FORMAT,
    version: MODEL_VERSION,
    dictionary: parts.dictionary,
    featureColumns: parts.featureColumns,
    scaler: parts.scaler,
    weights: parts.weights,
    k,
    centroids: rows,
    segmentLabels: [],
  } as unknown as SegmentationModel;
}

const seg = `"${SEGMENT_COLUMN}"`;
const dec = (scale: number): string => `DECIMAL(38, ${scale})`;
const fail = (message: string, scale: number): string => `CAST(fail(${stringLiteral(`${RANGE_FAILURE} ${message}`)}) AS ${dec(scale)})`;

/** The guarded DECIMAL of matrix column j (NULL on a NULL-segment row, whose group is ignored). */
function xDecimal(parts: ModelParts, j: number): string {
  const x = matrixColumn(j);
  const name = parts.featureColumns[j]?.name ?? `#${j}`;
  const why = `matrix column ${j} (${show(name)}) has a value of ${X_LIMIT} or more in magnitude (or not finite) in the model's scaled space, far outside the training range; the exact sums cannot hold it. Clean the column or retrain on a sample that covers its range.`;
  return `CASE WHEN abs(${x}) < ${doubleLiteral(X_LIMIT)} THEN CAST(${x} AS ${dec(X_SCALE)}) WHEN ${seg} IS NOT NULL THEN ${fail(why, X_SCALE)} END`;
}

/** The two sums of a non-negative expression: below SQUARE_SPLIT at scale SQUARE_SCALE, the rest at scale 0. */
function tieredSums(v: string, what: string): string[] {
  const small = `sum(CASE WHEN ${v} < ${doubleLiteral(SQUARE_SPLIT)} THEN CAST(${v} AS ${dec(SQUARE_SCALE)}) END)`;
  const why = `${what} is ${SQUARE_LIMIT} or more (or not finite): a row far outside the training range; the exact sums cannot hold it.`;
  const big = `sum(CASE WHEN ${v} < ${doubleLiteral(SQUARE_SPLIT)} THEN NULL WHEN ${v} < ${doubleLiteral(SQUARE_LIMIT)} THEN CAST(${v} AS ${dec(0)}) WHEN ${seg} IS NOT NULL THEN ${fail(why, 0)} END)`;
  return [small, big];
}

/**
 * The aggregate of one Lloyd step over `source` with the given centroids: per segment (NULL for
 * rows with NaN / Infinity in a feature) the row count, [the DECIMAL sums of x_j,] the tiered
 * sums of d_min [and of x_j^2]. Read the rows with {@link readLloydStep}.
 */
export function lloydSelect(parts: ModelParts, centroids: Float64Array, k: number, source: ModelSelectSource, options: LloydSelectOptions = {}): string {
  const d = parts.featureColumns.length;
  const inner = modelSelect(modelWithCentroids(parts, centroids, k), source, { labels: false, matrix: true, columnTypes: options.columnTypes });
  const list = [seg, 'count(*)'];
  if (options.sums ?? true) for (let j = 0; j < d; j++) list.push(`sum(${xDecimal(parts, j)})`);
  list.push(...tieredSums(DMIN_COLUMN, 'a squared distance to the nearest centroid'));
  if (options.squares ?? false) {
    for (let j = 0; j < d; j++) list.push(...tieredSums(`(${matrixColumn(j)} * ${matrixColumn(j)})`, `the square of matrix column ${j}`));
  }
  return [
    `-- autoseg: one full-table Lloyd step (k = ${k}, ${d} matrix columns): per segment the row count and exact DECIMAL sums.`,
    `SELECT ${list.join(',\n  ')}`,
    `FROM (\n${inner}\n) AS autoseg_assigned`,
    `GROUP BY ${seg}`,
  ].join('\n');
}

/** Totals of one Lloyd step, exact: sums as BigInts scaled by 10^X_SCALE (x) or 10^SQUARE_SCALE (d_min, x^2). */
export interface LloydStepTotals {
  /** Rows per segment. */
  readonly counts: number[];
  /** k x d sums of x_j per segment (empty without `sums`). */
  readonly sums: bigint[];
  /** d sums of x_j^2 over all rows with a segment (empty without `squares`). */
  readonly squares: bigint[];
  /** Sum of d_min over all rows with a segment: the inertia of the assignment. */
  readonly dmin: bigint;
  /** Rows with a NULL segment (NaN or Infinity in a numeric feature). */
  readonly nonFiniteRows: number;
}

/** A DECIMAL as Trino's JSON sends it (text, e.g. `-12.340`) as an integer scaled by 10^scale; NULL is 0. */
export function decimalToScaled(v: unknown, scale: number): bigint {
  if (v === null || v === undefined) return 0n;
  const m = /^(-?)(\d+)(?:\.(\d*))?$/.exec(String(v).trim());
  if (m === null) throw new RangeError(`not a decimal: ${String(v)}`);
  const frac = m[3] ?? '';
  if (frac.length > scale) throw new RangeError(`the decimal ${String(v)} has more than ${scale} places`);
  const n = BigInt(m[2] + frac.padEnd(scale, '0'));
  return m[1] === '-' ? -n : n;
}

/** Reads the rows of a {@link lloydSelect} query (same k, d and options). */
export function readLloydStep(rows: readonly unknown[][], k: number, d: number, options: LloydSelectOptions = {}): LloydStepTotals {
  const withSums = options.sums ?? true;
  const withSquares = options.squares ?? false;
  const counts = new Array<number>(k).fill(0);
  const sums = new Array<bigint>(withSums ? k * d : 0).fill(0n);
  const squares = new Array<bigint>(withSquares ? d : 0).fill(0n);
  const big = 10n ** BigInt(SQUARE_SCALE);
  const tiered = (row: readonly unknown[], at: number): bigint => decimalToScaled(row[at], SQUARE_SCALE) + decimalToScaled(row[at + 1], 0) * big;
  let dmin = 0n;
  let nonFiniteRows = 0;
  for (const row of rows) {
    const count = Number(row[1]);
    if (row[0] === null) {
      nonFiniteRows += count;
      continue;
    }
    const c = Number(row[0]);
    if (!Number.isSafeInteger(c) || c < 0 || c >= k) throw new RangeError(`the step query returned the segment ${String(row[0])}, outside [0, ${k})`);
    counts[c] = count;
    let at = 2;
    if (withSums) for (let j = 0; j < d; j++) sums[c * d + j] = decimalToScaled(row[at++], X_SCALE);
    dmin += tiered(row, at);
    at += 2;
    if (withSquares) {
      for (let j = 0; j < d; j++, at += 2) squares[j] += tiered(row, at);
    }
  }
  return { counts, sums, squares, dmin, nonFiniteRows };
}

/**
 * The `count` rows farthest from their centroid (d_min descending; ties by x_0, x_1, ...
 * ascending, so any remaining tie is between identical rows): segment, d_min and the guarded
 * DECIMAL x_j. The engine's empty-cluster relocation takes these (it breaks ties by row index,
 * which a table does not have).
 */
export function farthestRowsSelect(parts: ModelParts, centroids: Float64Array, k: number, source: ModelSelectSource, count: number, options: LloydSelectOptions = {}): string {
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`count must be a positive integer, got ${count}`);
  const d = parts.featureColumns.length;
  const inner = modelSelect(modelWithCentroids(parts, centroids, k), source, { labels: false, matrix: true, columnTypes: options.columnTypes });
  const xs = Array.from({ length: d }, (_, j) => xDecimal(parts, j));
  return [
    `-- autoseg: the ${count} row(s) farthest from their centroid (empty-cluster relocation).`,
    `SELECT ${[seg, ...xs].join(',\n  ')}`,
    `FROM (\n${inner}\n) AS autoseg_assigned`,
    `WHERE ${seg} IS NOT NULL`,
    `ORDER BY ${[`${DMIN_COLUMN} DESC`, ...Array.from({ length: d }, (_, j) => matrixColumn(j))].join(', ')}`,
    `LIMIT ${count}`,
  ].join('\n');
}

/** The rows of a {@link farthestRowsSelect} query: segment and x_j scaled by 10^X_SCALE. */
export function readFarthestRows(rows: readonly unknown[][], d: number): { segment: number; x: bigint[] }[] {
  return rows.map((row) => ({ segment: Number(row[0]), x: Array.from({ length: d }, (_, j) => decimalToScaled(row[1 + j], X_SCALE)) }));
}

function bitLength(a: bigint): number {
  return a === 0n ? 0 : a.toString(2).length;
}

/**
 * num / den rounded once to the nearest double (ties to even), den > 0: the quotient is taken to
 * at least 65 bits with a sticky bit for the remainder, then rounded once (scaledBigIntToDouble).
 * For results in the normal range (|x| >= 2^-1022), which every mean and sum here is.
 */
export function ratioToDouble(num: bigint, den: bigint): number {
  if (den <= 0n) throw new RangeError('the denominator must be positive');
  if (num === 0n) return 0;
  const neg = num < 0n;
  const a = neg ? -num : num;
  const t = 66 + bitLength(den) - bitLength(a); // a * 2^t / den >= 2^65
  const n = t >= 0 ? a << BigInt(t) : a;
  const m = t >= 0 ? den : den << BigInt(-t);
  let q = n / m;
  if (n % m !== 0n) q |= 1n; // sticky: far below the 53 bits kept, it only breaks a false tie
  return scaledBigIntToDouble(neg ? -q : q, -t);
}
