/**
 * npx tsx bench/float32Accuracy.ts — what float32 would cost in accuracy (the question before an
 * f32x4 kernel): on the shipped example (engineered as the pipeline does) and on TPC-H-like
 * uniform data (the speed benchmark's, the worst case for near-ties), for k = 3..8 with the float64 fit as reference:
 *  - assignment in float32 arithmetic (data and centroids rounded to float32, each distance
 *    accumulated in float32): share of rows whose label differs from the exact float64 one;
 *  - k-means on float32-stored data (rounded once, float64 arithmetic): labels agreement with
 *    the float64 fit and relative inertia difference (both evaluated on the float64 data).
 * Not a test: prints a table.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nearestCentroids } from '../src/segmentation/distance';
import { kmeans } from '../src/segmentation/kmeans';
import { matrix, type Matrix } from '../src/segmentation/matrix';
import { Rng } from '../src/segmentation/rng';
import { exampleCustomers } from './parityData';

const f = Math.fround;

/** Labels by float32 arithmetic: ((0 + t0^2) + t1^2) + ... with every operation rounded to float32. */
function labelsF32(m: Matrix, c: Float64Array, k: number): Int32Array {
  const d = m.cols;
  const x32 = Float32Array.from(m.data);
  const c32 = Float32Array.from(c);
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = 0;
    let bv = Infinity;
    for (let q = 0; q < k; q++) {
      let s = 0;
      for (let j = 0; j < d; j++) {
        const t = f(x32[i * d + j] - c32[q * d + j]);
        s = f(s + f(t * t));
      }
      if (s < bv) {
        bv = s;
        best = q;
      }
    }
    out[i] = best;
  }
  return out;
}

function agreement(a: Int32Array, b: Int32Array): number {
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autoseg-f32-'));
  try {
    const rng = new Rng(7);
    const uniform = matrix(
      200_000,
      20,
      Float64Array.from({ length: 200_000 * 20 }, () => rng.nextFloat()),
    );
    const sets = [await exampleCustomers(work), { name: 'uniform 200,000 x 20 (the speed bench data)', m: uniform }];
    console.log('| data set | k | f32 assignment: labels differing | f32 storage fit: labels agreeing | f32 storage fit: inertia rel. diff |');
    console.log('|---|---:|---:|---:|---:|');
    for (const ds of sets) {
      const m32 = matrix(ds.m.rows, ds.m.cols, Float64Array.from(Float32Array.from(ds.m.data)));
      for (let k = 3; k <= 8; k++) {
        const ref = kmeans(ds.m, { k, seed: 1, nInit: ds.m.rows > 10_000 ? 2 : undefined });
        const l32 = labelsF32(ds.m, ref.centroids, k);
        const differ = 1 - agreement(l32, ref.labels);
        const fit32 = kmeans(m32, { k, seed: 1, nInit: ds.m.rows > 10_000 ? 2 : undefined });
        const on64 = nearestCentroids(ds.m, fit32.centroids, k);
        const rel = (on64.inertia - ref.inertia) / ref.inertia;
        console.log(
          `| ${ds.name} | ${k} | ${(differ * 100).toFixed(3)}% (${Math.round(differ * ds.m.rows)} rows) | ${(agreement(on64.labels, ref.labels) * 100).toFixed(3)}% | ${rel.toExponential(2)} |`,
        );
      }
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
