import { matrix, type Matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';

/** Standard normal by Box-Muller from the seeded Rng. */
export function gaussian(rng: Rng): number {
  const u = 1 - rng.nextFloat();
  const v = rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

/** `k` Gaussian blobs of `perCluster` rows in `d` dimensions; rows are interleaved (row i is in blob i % k). */
export function blobs(k: number, perCluster: number, d: number, seed: number, spread = 0.05, separation = 1): { m: Matrix; truth: Int32Array; centers: Float64Array } {
  const rng = new Rng(seed);
  const centers = new Float64Array(k * d);
  for (let i = 0; i < centers.length; i++) centers[i] = rng.nextFloat() * separation * 10;
  const n = k * perCluster;
  const data = new Float64Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centers[c * d + j] + gaussian(rng) * spread;
  }
  return { m: matrix(n, d, data), truth, centers };
}
