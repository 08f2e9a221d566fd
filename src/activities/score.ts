import type { Matrix } from '../segmentation/matrix';
import { fitOnSample, sampleSilhouettes, scoreK, scoringRows, scoringSample, type KFit, type KScore } from '../segmentation/scoring';
import type { RunConfig } from '../config/runConfig';
import type { RunRef } from './types';
import { activity, cancellationSignal, stageStore, withHeartbeat } from './runtime';
import { inThread } from './threadPool';

/**
 * The seeded scoring sample of the run scored last, kept in memory by each pool thread: the k
 * fan-out sends one activity per k to the same worker, and each would otherwise read the same
 * file. Only the sample's rows are read and kept, not the engineered matrix (1.5M x 7 is 84 MB
 * per thread; the sample of 10,000 rows, 0.6 MB). Scoring the sample gives the results of
 * scoring the matrix ({@link scoringSample}).
 */
let cached: { key: string; sample: Promise<Matrix> } | undefined;

function sampleOf(runId: string, config: Pick<RunConfig, 'seed' | 'sampleSize'>): Promise<Matrix> {
  const key = JSON.stringify([runId, config.seed, config.sampleSize]);
  if (cached?.key !== key) {
    // only the sampled rows are read: scoringSample of those rows is the sample itself, validated
    const sample = stageStore()
      .getMatrixRows(runId, 'matrix', (rows) => scoringRows(rows, config.seed, config.sampleSize))
      .then((m) => scoringSample(m, config.seed, config.sampleSize));
    cached = { key, sample };
    sample.catch(() => {
      if (cached?.sample === sample) cached = undefined;
    });
  }
  return cached.sample;
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
  const matrix = await sampleOf(runId, config);
  return scoreK(matrix, { k, seed: config.seed, sampleSize: config.sampleSize, nInit: config.nInit });
}

/**
 * Stage 3 since the silhouettes are computed once for all k: one activity per k fits k-means on
 * the seeded sample and stages the sample's labels (`sample-labels-<k>`); the silhouette is left
 * to {@link scoreSilhouettes}. Idempotent: a retry fits the same labels and overwrites them.
 */
export async function fitCandidate(input: RunRef & { k: number }): Promise<KFit> {
  return activity(() => withHeartbeat(inThread('fitCandidate', [input], cancellationSignal()), { stage: 'score', k: input.k }));
}

/** The body of {@link fitCandidate}, run on a pool thread. */
export async function fitCandidateJob({ runId, k, config }: RunRef & { k: number }): Promise<KFit> {
  const { labels, score } = fitOnSample(await sampleOf(runId, config), { k, seed: config.seed, sampleSize: config.sampleSize, nInit: config.nInit });
  await stageStore().putLabels(runId, `sample-labels-${k}`, labels);
  return score;
}

/**
 * The silhouette of every k's fit, in the order of `ks`, from one pass over the sample's
 * pairwise distances (O(n^2 d) once instead of once per k: on a 10,000 x 264 sample that is
 * most of the scoring time). Pure function of the staged labels: a retry gives the same values.
 */
export async function scoreSilhouettes(input: RunRef & { ks: number[] }): Promise<number[]> {
  return activity(() => withHeartbeat(inThread('silhouettes', [input], cancellationSignal()), { stage: 'score', step: 'silhouettes' }));
}

/** The body of {@link scoreSilhouettes}, run on a pool thread. */
export async function scoreSilhouettesJob({ runId, ks, config }: RunRef & { ks: number[] }): Promise<number[]> {
  const store = stageStore();
  const labelings = await Promise.all(ks.map((k) => store.getLabels(runId, `sample-labels-${k}`)));
  return sampleSilhouettes(await sampleOf(runId, config), { seed: config.seed, sampleSize: config.sampleSize }, labelings, ks);
}
