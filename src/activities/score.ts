import type { Matrix } from '../segmentation/matrix';
import { scoreK, type KScore } from '../segmentation/scoring';
import type { RunRef } from './types';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/**
 * The engineered matrix of the run scored last, kept in memory by each pool thread: the k
 * fan-out sends one activity per k to the same worker, and each would otherwise read the same file.
 */
let cached: { runId: string; matrix: Promise<Matrix> } | undefined;

function matrixOf(runId: string): Promise<Matrix> {
  if (cached?.runId !== runId) {
    const matrix = stageStore().getMatrix(runId, 'matrix');
    cached = { runId, matrix };
    matrix.catch(() => {
      if (cached?.matrix === matrix) cached = undefined;
    });
  }
  return cached.matrix;
}

/**
 * Stage 3, one activity per k: k-means on the run's seeded sample, with the sample's inertia,
 * silhouette and Calinski-Harabasz index. Pure function of (matrix, k, seed): a retry gives the
 * same score, so nothing is written.
 */
export async function scoreCandidate(input: RunRef & { k: number }): Promise<KScore> {
  return activity(() => withHeartbeat(inThread('score', [input], cancellationSignal()), { stage: 'score', k: input.k }));
}

/** The body of {@link scoreCandidate}, run on a pool thread (each thread keeps the run's matrix). */
export async function scoreJob({ runId, k, config }: RunRef & { k: number }): Promise<KScore> {
  const matrix = await matrixOf(runId);
  return scoreK(matrix, { k, seed: config.seed, sampleSize: config.sampleSize, nInit: config.nInit });
}
