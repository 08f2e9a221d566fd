import { kmeans, kmeansForKs, type KMeansResult } from './kmeans';
import { validateK, validateMatrix } from './kmeansParams';
import { matrix, takeRows, type Matrix } from './matrix';
import { adjustedRandIndex, calinskiHarabasz, inertiaOf, silhouetteScore } from './metrics';
import { nearestCentroids } from './distance';
import { Rng, sampleIndices } from './rng';
import { silhouetteScores } from './silhouette';

export { adjustedRandIndex, calinskiHarabasz, inertiaOf, silhouetteScore } from './metrics';

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
  /**
   * The silhouette the same k gives on structureless data: k-means on REFERENCE_ROWS points drawn
   * uniformly (seeded) over the sample's range in every matrix column. Absent in scores made
   * before it existed.
   */
  readonly referenceSilhouette?: number;
  /**
   * How reproducible the k segments are: the mean adjusted Rand index between the assignments of
   * the sample by STABILITY_FITS k-means fits on seeded bootstrap resamples of it (1 = the same
   * segments every time; near 0 = unrelated). Absent in scores made before it existed.
   */
  readonly stability?: number;
}

/** Bootstrap fits compared per k for {@link stability}. */
export const STABILITY_FITS = 5;
/** k-means restarts per bootstrap fit: fewer than the main fit's, as each fit is only compared. */
const STABILITY_RESTARTS = 3;

/**
 * Stability of k segments on `sample` (Ben-Hur, Elisseeff & Guyon's idea with bootstrap
 * resamples): `fits` seeded bootstrap resamples (n rows drawn with replacement), k-means on each,
 * every sample row assigned to each fit's nearest centroid, and the mean adjusted Rand index over
 * all pairs of those assignments. Deterministic for (sample, k, seed).
 */
export function stability(sample: Matrix, k: number, seed: number, fits = STABILITY_FITS): number {
  const n = sample.rows;
  const labelings: Int32Array[] = [];
  for (let b = 0; b < fits; b++) {
    const rng = new Rng((seed >>> 0) * 4096 + k * 8 + b);
    const rows = new Int32Array(n);
    for (let i = 0; i < n; i++) rows[i] = rng.nextInt(n);
    const fit = kmeans(takeRows(sample, rows), { k, seed: (seed + 7919 * (b + 1)) >>> 0, nInit: STABILITY_RESTARTS });
    labelings.push(nearestCentroids(sample, fit.centroids, k).labels.slice());
  }
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < fits; a++) {
    for (let b = a + 1; b < fits; b++) {
      sum += adjustedRandIndex(labelings[a], labelings[b], k, k);
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : 1;
}

/** Points in the uniform reference (its exact silhouette is quadratic in them). */
export const REFERENCE_ROWS = 2000;

/**
 * The silhouette of k clusters on structureless data of the sample's shape: REFERENCE_ROWS points
 * uniform over the sample's bounding box (each matrix column between its min and max), seeded by
 * (seed, k), fitted by k-means with 2 restarts. Uniform data has no clusters, yet k-means on it
 * scores a silhouette of about 0.25 to 0.35 in a few dimensions: a real fit must beat this, not 0.
 */
export function referenceSilhouette(sample: Matrix, k: number, seed: number): number {
  const { rows, cols, data } = sample;
  const lo = new Float64Array(cols).fill(Infinity);
  const hi = new Float64Array(cols).fill(-Infinity);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = data[i * cols + j];
      if (v < lo[j]) lo[j] = v;
      if (v > hi[j]) hi[j] = v;
    }
  }
  const n = Math.max(k + 1, Math.min(REFERENCE_ROWS, rows));
  const rng = new Rng((seed >>> 0) * 64 + k);
  const ref = new Float64Array(n * cols);
  for (let i = 0; i < n; i++) for (let j = 0; j < cols; j++) ref[i * cols + j] = lo[j] + rng.nextFloat() * (hi[j] - lo[j]);
  const m = matrix(n, cols, ref);
  const fit = kmeans(m, { k, seed, nInit: 2 });
  return silhouetteScore(m, fit.labels, k);
}

/**
 * The seeded sample that {@link scoreK} scores (the rows themselves when sampleSize >= rows).
 * Scoring the sample itself with the same seed and sampleSize gives the same results as scoring
 * `m`: a matrix of at most sampleSize rows is its own sample.
 */
export function scoringSample(m: Matrix, seed: number, sampleSize: number): Matrix {
  validateMatrix(m);
  const rows = scoringRows(m.rows, seed, sampleSize);
  return rows === undefined ? m : takeRows(m, rows);
}

/**
 * The rows of an n-row matrix that {@link scoringSample} takes, in its order, or undefined when
 * it takes the matrix as it is: for reading just the sample of a matrix kept elsewhere.
 */
export function scoringRows(n: number, seed: number, sampleSize: number): Int32Array | undefined {
  if (!Number.isSafeInteger(sampleSize) || sampleSize < 3) throw new RangeError(`sampleSize must be an integer >= 3, got ${sampleSize}`);
  return sampleSize >= n ? undefined : sampleIndices(n, sampleSize, seed);
}

/** Everything of a {@link KScore} but the silhouette, for one k on the sample. */
function fitK(sample: Matrix, k: number, seed: number, nInit: number | undefined, fitted?: KMeansResult): { labels: Int32Array; score: Omit<KScore, 'silhouette'> } {
  validateK(k, sample.rows);
  const fit = fitted ?? kmeans(sample, { k, seed, nInit });
  return {
    labels: fit.labels,
    score: {
      k,
      inertia: fit.inertia,
      calinskiHarabasz: calinskiHarabasz(sample, fit.labels, k),
      sampleSize: sample.rows,
      referenceSilhouette: referenceSilhouette(sample, k, seed),
      stability: stability(sample, k, seed),
    },
  };
}

function withSilhouette(s: Omit<KScore, 'silhouette'>, silhouette: number): KScore {
  const { k, inertia, calinskiHarabasz: ch, sampleSize, referenceSilhouette: ref, stability: st } = s;
  return { k, inertia, silhouette, calinskiHarabasz: ch, sampleSize, referenceSilhouette: ref, stability: st };
}

/**
 * Scores one k, so the pipeline can fan out one call per k: a seeded sample of the rows
 * (`sampleIndices(rows, sampleSize, seed)`, the same rows for every k with the same seed),
 * k-means fitted on it, and the inertia, silhouette and Calinski-Harabasz index of that fit.
 */
export function scoreK(m: Matrix, opts: ScoreKOptions): KScore {
  const sample = scoringSample(m, opts.seed, opts.sampleSize);
  const { labels, score } = fitK(sample, opts.k, opts.seed, opts.nInit);
  return withSilhouette(score, silhouetteScores(sample, [labels], [opts.k])[0]);
}

/**
 * {@link scoreK} for several k at once, one result per k in the order given, each equal to
 * `scoreK(m, { ...opts, k })`: every k is fitted on the same seeded sample (the k-means of all k
 * at once, sharing their k-means++ seedings: {@link kmeansForKs}), then all silhouettes come from
 * one pass over the sample's pairwise distances ({@link silhouetteScores}) instead of one pass per k.
 */
export function scoreKs(m: Matrix, ks: readonly number[], opts: Omit<ScoreKOptions, 'k'>): KScore[] {
  if (ks.length === 0) return [];
  const sample = scoringSample(m, opts.seed, opts.sampleSize);
  for (const k of ks) validateK(k, sample.rows);
  // every k's k-means at once: they share their k-means++ seedings (kmeansForKs), same results
  const fitted = kmeansForKs(sample, ks, { seed: opts.seed, nInit: opts.nInit });
  const fits = ks.map((k, q) => fitK(sample, k, opts.seed, opts.nInit, fitted[q]));
  const sil = silhouetteScores(
    sample,
    fits.map((f) => f.labels),
    ks,
  );
  return fits.map((f, q) => withSilhouette(f.score, sil[q]));
}

/** A {@link KScore} before its silhouette: what one k's fit contributes when the silhouettes of all k come from one pass. */
export type KFit = Omit<KScore, 'silhouette'>;

/** {@link scoreK} but the silhouette, and the labels of the sample's rows that it needs. */
export function fitOnSample(m: Matrix, opts: ScoreKOptions): { labels: Int32Array; score: KFit } {
  return fitK(scoringSample(m, opts.seed, opts.sampleSize), opts.k, opts.seed, opts.nInit);
}

/**
 * The silhouettes of several fits of the same seeded sample (from {@link fitOnSample}), in one
 * pass over its pairwise distances; each equals the one {@link scoreK} gives for its k.
 */
export function sampleSilhouettes(m: Matrix, opts: Omit<ScoreKOptions, 'k'>, labelings: readonly Int32Array[], ks: readonly number[]): number[] {
  return silhouetteScores(scoringSample(m, opts.seed, opts.sampleSize), labelings, ks);
}

/** Inertia of the full matrix against centroids fitted elsewhere (e.g. on the sample). */
export const fullInertia = inertiaOf;
