/**
 * Honesty about structure: uniform noise has no natural clusters, so the selection says the
 * segments are a partition of a continuum; well-separated blobs do not get that warning.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { segment } from '../../src/segmentation';
import { clusterStructure, WEAK_STRUCTURE_SILHOUETTE } from '../../src/segmentation/selectK';
import { Rng } from '../../src/segmentation/rng';
import type { ColumnarTable } from '../../src/segmentation/table';
import { blobs } from './blobs';

function table(rows: number, d: number, value: (i: number, j: number) => number): ColumnarTable {
  return {
    name: 'structure',
    rowCount: rows,
    columns: [
      { name: 'id', kind: 'categorical', values: Array.from({ length: rows }, (_, i) => `c${i}`) },
      ...Array.from({ length: d }, (_, j) => ({ name: `x${j}`, kind: 'numeric' as const, values: Float64Array.from({ length: rows }, (_, i) => value(i, j)), nulls: new Uint8Array(rows) })),
    ],
  };
}

/** The structure segment() finds in `rows` x `d` uniform noise (seeded), k from 2 to kMax. */
function noiseStructure(rows: number, d: number, seed: number, kMax: number) {
  const rng = new Rng(seed);
  const noise = Array.from({ length: rows * d }, () => rng.nextFloat());
  return segment(
    table(rows, d, (i, j) => noise[i * d + j]),
    { userId: 'id', nInit: 2, kRange: { min: 2, max: kMax } },
  ).selection.structure!;
}

test('uniform noise: weak structure, said plainly; well-separated blobs: no warning', () => {
  const weak = noiseStructure(1500, 4, 7, 6);
  assert.equal(weak.weak, true, `best silhouette ${weak.bestSilhouette}`);
  assert.ok(weak.bestSilhouette! < WEAK_STRUCTURE_SILHOUETTE);
  assert.ok(weak.referenceSilhouette! > weak.bestSilhouette! - 0.05, `reference ${weak.referenceSilhouette}`);
  assert.match(
    weak.note!,
    /^No strong cluster structure: the best silhouette over k = 2\.\.6 is 0\.\d\d \(k = \d\), .*no better than the 0\.\d\d that customers spread uniformly over the same ranges give\. .*not natural types of customer/,
  );

  const { m } = blobs(4, 300, 4, 11, 0.05);
  const strong = segment(
    table(1200, 4, (i, j) => m.data[i * 4 + j]),
    { userId: 'id', nInit: 2, kRange: { min: 2, max: 6 } },
  ).selection.structure!;
  assert.equal(strong.weak, false, `best silhouette ${strong.bestSilhouette}`);
  assert.ok(strong.bestSilhouette! > 0.5);
  assert.equal(strong.note, null);
});

test('uniform noise in 3 dimensions scores a silhouette above 0.25 and is still called weak: the uniform reference', () => {
  const s = noiseStructure(2000, 3, 3, 5);
  assert.ok(s.bestSilhouette! > WEAK_STRUCTURE_SILHOUETTE, `best silhouette ${s.bestSilhouette}`);
  assert.equal(s.weak, true, `best ${s.bestSilhouette}, reference ${s.referenceSilhouette}`);
  assert.match(s.note!, /no better than the/);
  assert.doesNotMatch(s.note!, /below 0\.25/);
});

test('the thresholds and the edge cases: no finite silhouette is not a verdict', () => {
  const at = (s: number, reference?: number) =>
    clusterStructure([
      { k: 2, inertia: 1, silhouette: s, referenceSilhouette: reference },
      { k: 3, inertia: 0.5, silhouette: s - 0.1 },
    ]);
  assert.equal(at(0.2499).weak, true);
  assert.equal(at(0.25).weak, false);
  assert.equal(at(0.4, 0.36).weak, true);
  assert.equal(at(0.41, 0.36).weak, false);
  assert.equal(at(0.41, 0.36).referenceSilhouette, 0.36);
  const none = { bestSilhouette: null, referenceSilhouette: null, weak: false, note: null };
  assert.deepEqual(clusterStructure([{ k: 2, inertia: 1, silhouette: NaN }]), none);
  assert.deepEqual(clusterStructure([]), none);
});
