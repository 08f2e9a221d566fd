import { kmeansParallel, kmeansStorage } from '../segmentation/kmeans';
import type { Matrix } from '../segmentation/matrix';
import { nearestCentroids } from '../segmentation/distance';
import { canonicalOrder } from '../segmentation/relabel';
import { matchToPrevious } from '../segmentation/stableIds';
import type { StagedFeatures } from './engineer';
import { readPreviousCentroids } from './previous';
import type { EngineRef, Fitted, RunRef } from './types';
import { refineInWarehouse } from './refine';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/** Centroids moved to their matched numbers (`mapping[cluster] = segment`), rows labelled against them. */
function renumber(m: Matrix, centroids: Float64Array, k: number, mapping: Int32Array): { labels: Int32Array; centroids: Float64Array; inertia: number } {
  const d = m.cols;
  const out = new Float64Array(centroids.length);
  for (let c = 0; c < k; c++) out.set(centroids.subarray(c * d, c * d + d), mapping[c] * d);
  const { labels, inertia } = nearestCentroids(m, out, k);
  return { labels, centroids: out, inertia };
}

/** What the final clustering leaves in the stage store for explain and write-back. */
export interface StagedFit {
  k: number;
  inertia: number;
  iterations: number;
  /** k x d, row-major, in segment-number order. */
  centroids: number[][];
  matchedPrevious: boolean;
  /** Pushdown mode: customers per segment over the full table (the staged labels are the sample's). */
  sizes?: number[];
}

/**
 * Stage 5: seeded k-means++ with `nInit` restarts on the full matrix (Lloyd iterations on 2
 * worker threads; the result is identical for any thread count). Segment numbers: matched to
 * the previous run's centroids when a previous model exists for the same output, else by size
 * (largest segment is 0, ties by centroid), and every row is labelled by its nearest
 * centroid, exactly as `assign` labels it from the model.
 * Idempotent: same inputs, same labels, overwritten in place.
 */
export async function fitSegments(input: EngineRef & { k: number }): Promise<Fitted> {
  if (input.engine === 'trino') return activity(() => refineInWarehouse(input));
  return activity(() => withHeartbeat(inThread('cluster', [input], cancellationSignal()), { stage: 'cluster', k: input.k }));
}

/** Pushdown mode's first step, on a pool thread: k-means on the training sample, centroids as fitted (not yet numbered). */
export async function trainJob({ runId, k, config }: RunRef & { k: number }): Promise<{ centroids: number[]; iterations: number }> {
  const matrix = await stageStore().getMatrix(runId, 'matrix');
  const fit = await kmeansParallel(matrix, { k, seed: config.seed, nInit: config.nInit, maxIter: config.maxIter, tol: config.tol, threads: 2 });
  return { centroids: Array.from(fit.centroids), iterations: fit.iterations };
}

/** The body of {@link fitSegments}, run on a pool thread. */
export async function clusterJob({ runId, k, config }: RunRef & { k: number }): Promise<Fitted> {
  const store = stageStore();
  const matrix = await store.getMatrix(runId, 'matrix', (rows, cols) => kmeansStorage(rows, cols, k));
  const features = await store.getJson<StagedFeatures>(runId, 'features');
  const fit = await kmeansParallel(matrix, { k, seed: config.seed, nInit: config.nInit, maxIter: config.maxIter, tol: config.tol, threads: 2 });
  const previous = await readPreviousCentroids(config.output);
  const columns = features.featureColumns.map((c) => c.name);
  const d = matrix.cols;
  const { labels, centroids, inertia } = previous ? renumber(matrix, fit.centroids, k, matchToPrevious(fit.centroids, k, columns, previous)) : canonicalOrder(matrix, fit.centroids, fit.labels, k);
  const staged: StagedFit = {
    k,
    inertia,
    iterations: fit.iterations,
    centroids: Array.from({ length: k }, (_, c) => Array.from(centroids.subarray(c * d, c * d + d))),
    matchedPrevious: previous !== null,
  };
  await store.putLabels(runId, 'labels', labels);
  await store.putJson(runId, 'fit', staged);
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  return { k, inertia, iterations: fit.iterations, sizes, matchedPrevious: previous !== null };
}
