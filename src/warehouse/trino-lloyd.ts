/**
 * Full-table Lloyd refinement inside Trino (pushdown mode): the model is trained on a sample in
 * the worker, then its centroids are refined over the whole table with one aggregate query per
 * iteration (sql-model/lloydSelect.ts): every row gets its nearest centroid exactly as the engine
 * and the model's SELECT give it, and the new centroids are the GROUP BY means. No row leaves
 * the warehouse.
 *
 * The loop is the engine's (src/segmentation/lloyd.ts `lloydLoop`, scikit-learn's):
 * - new centroid = mean of its rows; an empty cluster is relocated as the engine does
 *   (`relocateEmptyClusters`): each empty cluster takes one of the rows farthest from their
 *   centroid, farthest first, and that row leaves its cluster's sums. Ties: the engine takes the
 *   lower row index, a table has none, so here the lower x_0, x_1, ... (identical rows are
 *   interchangeable). This costs one more query, only in an iteration with an empty cluster;
 * - stop when the squared centre shift sum_c sum_j (new - old)^2 <= tolAbs (same order of
 *   operations), or after maxIter iterations. The engine also stops when no label changed; then
 *   every mean is unchanged, bit for bit, both there and here, so the shift is 0 <= tolAbs and
 *   the same iteration stops;
 * - tolAbs = tol * (mean over matrix columns of the population variance of the full table),
 *   scikit-learn's definition and `absoluteTolerance` in kmeans.ts; the variances come from the
 *   exact sums of x_j and x_j^2 of the first iteration's query (no extra scan), computed as
 *   (N * sum x^2 - (sum x)^2) / N^2 exactly and rounded once, where the engine's two-pass double
 *   sums carry rounding: the two agree to ~1e-12 relative (a threshold, so this only matters if
 *   a shift lands that close to it). Or pass tolAbs itself;
 * - one departure: when the very first step is already within the tolerance (and no cluster is
 *   empty), the starting centroids are kept rather than the step's means. The start is then a
 *   converged model of the full table by the engine's own criterion; taking the step would
 *   make a run whose sample is the whole table differ from worker mode by one extra iteration;
 * - then one more aggregate gives the final assignment's sizes and inertia (sum of d_min) for the
 *   returned centroids, unless the last update changed no centroid (then the last query's are
 *   those).
 *
 * Determinism: every sum is an exact DECIMAL sum and every mean one correctly rounded division
 * (see lloydSelect.ts), so the same table and start give bit-identical centroids, sizes, inertia
 * and iteration count on every run and every plan. Against the engine's Lloyd in JavaScript on the
 * same rows and start: the same assignments and iterations in practice, centroids equal to
 * ~1e-15 relative (the engine's double sums round; these do not), i.e. not bit for bit.
 */
import { SegmentationInputError } from '../segmentation/errors';
import { WarehouseInputError } from './errors';
import {
  RANGE_FAILURE,
  X_LIMIT,
  X_SCALE,
  SQUARE_SCALE,
  farthestRowsSelect,
  lloydSelect,
  ratioToDouble,
  readFarthestRows,
  readLloydStep,
  type LloydStepTotals,
  type ModelParts,
} from './sql-model/lloydSelect';
import { modelSource } from './sql-model/modelSelect';
import type { TrinoWarehouse } from './trino';
import type { Source } from './warehouse';

export type { ModelParts } from './sql-model/lloydSelect';

export interface RefineOptions {
  /** The number of clusters, checked against the length of the initial centroids. Default: their length / d. */
  readonly k?: number;
  /** Iteration cap, as the engine's maxIter. Default 300. */
  readonly maxIter?: number;
  /** Relative tolerance (scikit-learn's: times the mean per-column variance of the full table). Default 1e-4. */
  readonly tol?: number;
  /** Absolute tolerance on the squared centre shift; when given, `tol` is ignored and no variance is computed. */
  readonly tolAbs?: number;
  /** Aborting cancels the running query on the server; the promise rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /** Called after every iteration (the place for an activity heartbeat); throwing stops the refinement. */
  readonly onIteration?: (progress: RefineProgress) => void | Promise<void>;
}

export interface RefineProgress {
  /** 1-based. */
  readonly iteration: number;
  readonly maxIter: number;
  /** Squared centre shift of this iteration's update. */
  readonly shift: number;
  readonly tolAbs: number;
  /** Inertia and cluster sizes of this iteration's assignment (to the centroids before the update). */
  readonly inertia: number;
  readonly sizes: readonly number[];
  /** Empty clusters relocated in this iteration. */
  readonly relocated: number;
  /** Wall time of this iteration's queries, milliseconds. */
  readonly queryMs: number;
}

export interface RefineResult {
  /** k x d, row-major, in the order of the initial centroids. */
  readonly centroids: Float64Array;
  /** Rows per cluster in the final assignment (to `centroids`). */
  readonly sizes: number[];
  /** Sum over all rows of the squared distance to the nearest of `centroids`. */
  readonly inertia: number;
  readonly iterations: number;
  /** True when the shift fell to tolAbs; false when maxIter stopped the loop. */
  readonly converged: boolean;
  /** Wall time per iteration (its step query, plus the relocation query if any), then of the final assignment query when one ran; milliseconds. */
  readonly queryMs: number[];
  /** The absolute tolerance used. */
  readonly tolAbs: number;
}

/** The source as modelSelect takes it (Trino resolves a table against the same session defaults). */
/** scikit-learn's tolerance from the exact sums of the first step: tol * mean_j var_j. */
function absoluteTolerance(totals: LloydStepTotals, n: number, k: number, d: number, tol: number): number {
  const N = BigInt(n);
  const den = N * N * 10n ** BigInt(2 * X_SCALE);
  let s = 0;
  for (let j = 0; j < d; j++) {
    let sum = 0n;
    for (let c = 0; c < k; c++) sum += totals.sums[c * d + j];
    // N * Q - S^2 at scale 2 * X_SCALE; rounding of the summed squares can make it a hair negative.
    const v = N * totals.squares[j] * 10n ** BigInt(2 * X_SCALE - SQUARE_SCALE) - sum * sum;
    s += v > 0n ? ratioToDouble(v, den) : 0;
  }
  return (s / d) * tol;
}

function checkOptions(model: ModelParts, init: Float64Array, options: RefineOptions): { k: number; d: number; maxIter: number; tol: number } {
  const kGiven = options.k;
  const d = model.featureColumns?.length ?? 0;
  if (d < 1) throw new RangeError('the model has no matrix columns');
  const k = kGiven ?? init.length / d;
  if (!Number.isSafeInteger(k) || k < 1 || init.length !== k * d) throw new RangeError(`the initial centroids have ${init.length} values, not ${kGiven ?? 'k'} x ${d}`);
  for (let i = 0; i < init.length; i++) {
    if (!(Math.abs(init[i]) < X_LIMIT))
      throw new RangeError(`initial centroid ${Math.floor(i / d)} has the value ${init[i]} in column ${i % d}; centroids must be finite and below ${X_LIMIT} in magnitude`);
  }
  const maxIter = options.maxIter ?? 300;
  if (!Number.isSafeInteger(maxIter) || maxIter < 1) throw new RangeError(`maxIter must be an integer >= 1, got ${maxIter}`);
  const tol = options.tol ?? 1e-4;
  if (!(tol >= 0 && Number.isFinite(tol))) throw new RangeError(`tol must be a finite number >= 0, got ${tol}`);
  if (options.tolAbs !== undefined && !(options.tolAbs >= 0 && Number.isFinite(options.tolAbs))) throw new RangeError(`tolAbs must be a finite number >= 0, got ${options.tolAbs}`);
  return { k, d, maxIter, tol };
}

/**
 * Refines `initialCentroids` (k x d, in the model's weighted scaled space) by Lloyd iterations
 * over every row of `source`, inside Trino (see the module comment). `model` supplies the
 * encoding (a whole SegmentationModel will do; its own centroids are not used).
 * Errors: NON_FINITE_VALUE (SegmentationInputError) when a row has NaN or Infinity in a numeric
 * feature, as the engine refuses such a table; INVALID_VALUE (WarehouseInputError) when a row is
 * too far outside the training range for the exact sums (lloydSelect.ts); K_OUT_OF_RANGE when
 * the table has no more rows than clusters; the warehouse's own errors otherwise.
 */
export async function refineInTrino(warehouse: TrinoWarehouse, source: Source, model: ModelParts, initialCentroids: Float64Array, options: RefineOptions = {}): Promise<RefineResult> {
  const { k, d, maxIter, tol } = checkOptions(model, initialCentroids, options);
  const { signal, onIteration } = options;
  const src = modelSource(source);
  const columnTypes = await warehouse.columnTypes(source);
  const run = async (sql: string): Promise<unknown[][]> => {
    try {
      return (await warehouse.connection.execute(sql, undefined, signal)).rows;
    } catch (err) {
      if (err instanceof WarehouseInputError && err.message.includes(RANGE_FAILURE)) {
        throw new WarehouseInputError('INVALID_VALUE', err.message.slice(err.message.indexOf(RANGE_FAILURE)));
      }
      throw err;
    }
  };
  const scale = 10n ** BigInt(X_SCALE);
  const inertiaOf = (t: LloydStepTotals): number => ratioToDouble(t.dmin, 10n ** BigInt(SQUARE_SCALE));

  let centers = Float64Array.from(initialCentroids);
  let tolAbs = options.tolAbs ?? (tol === 0 ? 0 : undefined);
  const queryMs: number[] = [];
  let iterations = 0;
  let converged = false;
  let last: { totals: LloydStepTotals; unchanged: boolean } | undefined;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    const t0 = performance.now();
    const opts = { columnTypes, squares: tolAbs === undefined };
    const totals = readLloydStep(await run(lloydSelect(model, centers, k, src, opts)), k, d, opts);
    const n = totals.counts.reduce((a, b) => a + b, 0);
    if (totals.nonFiniteRows > 0) {
      throw new SegmentationInputError(
        'NON_FINITE_VALUE',
        `${totals.nonFiniteRows} row(s) of the source have NaN or Infinity in a numeric feature; NaN and Infinity are not nulls: turn them into NULL (or a number) upstream, or exclude the column.`,
        { details: { rows: totals.nonFiniteRows } },
      );
    }
    if (n <= k)
      throw new SegmentationInputError('K_OUT_OF_RANGE', `k = ${k} clusters need more than ${k} rows (as the engine's k-means), but the source has ${n}.`, { value: String(k), details: { rows: n } });
    if (tolAbs === undefined) tolAbs = absoluteTolerance(totals, n, k, d, tol);

    const counts = [...totals.counts];
    const sums = [...totals.sums];
    const empty = counts.flatMap((count, c) => (count === 0 ? [c] : []));
    if (empty.length > 0) {
      // The engine's relocation (lloyd.ts relocateEmptyClusters), on exact sums.
      const far = readFarthestRows(await run(farthestRowsSelect(model, centers, k, src, empty.length, { columnTypes })), d);
      empty.forEach((target, q) => {
        const { segment: from, x } = far[q];
        for (let j = 0; j < d; j++) {
          sums[from * d + j] -= x[j];
          sums[target * d + j] = x[j];
        }
        counts[from] -= 1;
        counts[target] = 1;
      });
    }
    const next = new Float64Array(k * d);
    let shift = 0;
    let unchanged = empty.length === 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0; j < d; j++) {
        const old = centers[c * d + j];
        const v = counts[c] > 0 ? ratioToDouble(sums[c * d + j], BigInt(counts[c]) * scale) : old;
        next[c * d + j] = v;
        const t = v - old;
        shift += t * t;
        if (v !== old) unchanged = false;
      }
    }
    const ms = Math.round(performance.now() - t0);
    queryMs.push(ms);
    // Already converged where it starts (the first step moves the centroids by no more than the
    // tolerance, no cluster empty): keep the start. A model trained on a sample that is the whole
    // table then stays exactly the worker's, instead of taking one more step the worker did not.
    const startConverged = it === 0 && empty.length === 0 && shift <= tolAbs;
    if (!startConverged) centers = next;
    last = { totals, unchanged: unchanged || startConverged };
    if (onIteration) {
      await onIteration({ iteration: iterations, maxIter, shift, tolAbs, inertia: inertiaOf(totals), sizes: totals.counts, relocated: empty.length, queryMs: ms });
    }
    if (shift <= tolAbs) {
      converged = true;
      break;
    }
  }

  // The final assignment to the returned centroids: the last step's when no centroid moved.
  let final = last?.totals as LloydStepTotals;
  if (!last?.unchanged) {
    const t0 = performance.now();
    const opts = { columnTypes, sums: false };
    final = readLloydStep(await run(lloydSelect(model, centers, k, src, opts)), k, d, opts);
    queryMs.push(Math.round(performance.now() - t0));
  }
  return {
    centroids: centers,
    sizes: final.counts,
    inertia: inertiaOf(final),
    iterations,
    converged,
    queryMs,
    tolAbs: tolAbs as number,
  };
}
