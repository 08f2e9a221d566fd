import { nearestCentroids } from '../segmentation/distance';
import type { FeaturePlan } from '../segmentation/engineer';
import { reorderCentroids, sizeOrder } from '../segmentation/relabel';
import { matchToPrevious } from '../segmentation/stableIds';
import { refineInTrino } from '../warehouse/trino-lloyd';
import { TrinoWarehouse } from '../warehouse/trino';
import type { StagedFit } from './cluster';
import { readPreviousCentroids } from './previous';
import type { Fitted, RunRef } from './types';
import { cancellationSignal, heartbeat, stageStore, toSource, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/**
 * Stage 5 in pushdown mode: k-means (seeded k-means++, `nInit` restarts) on the training sample
 * in the worker, then Lloyd refinement over the full table inside Trino (one aggregate query per
 * iteration), so the centroids are the full table's, not the sample's. Segment numbers as in
 * worker mode: matched to the previous run's centroids, else by full-table size (largest is 0,
 * ties by centroid). The sample's rows are labelled against the final centroids for explain.
 * Idempotent: the same inputs give the same centroids (Trino's sums are exact, see trino-lloyd.ts).
 */
export async function refineInWarehouse({ runId, k, config }: RunRef & { k: number }): Promise<Fitted> {
  const store = stageStore();
  const signal = cancellationSignal();
  const trained = await withHeartbeat(inThread('train', [{ runId, k, config }], signal), { stage: 'cluster', step: 'train', k });
  const plan = await store.getJson<FeaturePlan>(runId, 'plan');
  const d = plan.featureColumns.length;
  const trino = new TrinoWarehouse();
  let refined;
  try {
    // One iteration's query can outlast the heartbeat timeout on a big table: withHeartbeat beats
    // while it runs, resending the latest iteration reported.
    refined = await withHeartbeat(
      refineInTrino(trino, toSource(config.source), plan, Float64Array.from(trained.centroids), {
        k,
        maxIter: config.maxIter,
        tol: config.tol,
        signal,
        onIteration: (it) => heartbeat({ stage: 'cluster', step: 'refine', k, iteration: it.iteration, shift: it.shift, inertia: it.inertia }),
      }),
      { stage: 'cluster', step: 'refine', k, iteration: 0 },
    );
  } finally {
    await trino.close();
  }
  const previous = await readPreviousCentroids(config.output);
  let order: number[];
  if (previous) {
    const mapping = matchToPrevious(
      refined.centroids,
      k,
      plan.featureColumns.map((c) => c.name),
      previous,
    );
    order = new Array<number>(k);
    mapping.forEach((segment, cluster) => {
      order[segment] = cluster;
    });
  } else {
    order = sizeOrder(refined.sizes, refined.centroids, k, d);
  }
  const centroids = reorderCentroids(refined.centroids, order, d);
  const sizes = order.map((cluster) => refined.sizes[cluster]);
  const sample = await store.getMatrix(runId, 'matrix');
  await store.putLabels(runId, 'labels', nearestCentroids(sample, centroids, k).labels);
  const staged: StagedFit = {
    k,
    inertia: refined.inertia,
    iterations: refined.iterations,
    centroids: Array.from({ length: k }, (_, c) => Array.from(centroids.subarray(c * d, c * d + d))),
    matchedPrevious: previous !== null,
    sizes,
  };
  await store.putJson(runId, 'fit', staged);
  return { k, inertia: refined.inertia, iterations: refined.iterations, sizes, matchedPrevious: previous !== null };
}
