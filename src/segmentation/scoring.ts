import { kmeans } from './kmeans';
import { validateK, validateMatrix } from './kmeansParams';
import { takeRows, type Matrix } from './matrix';
import { calinskiHarabasz, inertiaOf, silhouetteScore } from './metrics';
import { sampleIndices } from './rng';

export { calinskiHarabasz, inertiaOf, silhouetteScore } from './metrics';

export interface ScoreKOptions {
  /** The number of clusters to score, 2 <= k < sample rows. */
  readonly k: number;
  /** Seeds the row sample and the k-means restarts. */
  readonly seed: number;
  /** Rows in the seeded sample (all rows when >= rows), e.g. 10,000. */
  readonly sampleSize: number;
  /** k-means restarts on the sample; default 10. */
  readonly nInit?: number;
}

export interface KScore {
  readonly k: number;
  /** Inertia of the k-means fit on the sample (sum of squared distances, sample rows only). */
  readonly inertia: number;
  /** Exact mean silhouette of the fit's labels on the sample. */
  readonly silhouette: number;
  /** Calinski-Harabasz index of the fit's labels on the sample. */
  readonly calinskiHarabasz: number;
  /** Rows actually scored (min(sampleSize, rows)). */
  readonly sampleSize: number;
}

/**
 * Scores one k, so the pipeline can fan out one call per k: a seeded sample of the rows
 * (`sampleIndices(rows, sampleSize, seed)`, the same rows for every k with the same seed),
 * k-means fitted on it, and the inertia, silhouette and Calinski-Harabasz index of that fit.
 */
export function scoreK(m: Matrix, opts: ScoreKOptions): KScore {
  validateMatrix(m);
  const { k, seed, sampleSize } = opts;
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 3) throw new RangeError(`sampleSize must be an integer >= 3, got ${sampleSize}`);
  const rows = Math.min(sampleSize, m.rows);
  validateK(k, rows);
  const sample = rows === m.rows ? m : takeRows(m, sampleIndices(m.rows, rows, seed));
  const fit = kmeans(sample, { k, seed, nInit: opts.nInit });
  return {
    k,
    inertia: fit.inertia,
    silhouette: silhouetteScore(sample, fit.labels, k),
    calinskiHarabasz: calinskiHarabasz(sample, fit.labels, k),
    sampleSize: rows,
  };
}

/** Inertia of the full matrix against centroids fitted elsewhere (e.g. on the sample). */
export const fullInertia = inertiaOf;
