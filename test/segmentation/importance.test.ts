/**
 * Permutation importance on constructed data whose answer is known: the feature that alone
 * separates the segments ranks first and moves about 1 - 1/k of the customers; a pure-noise
 * feature moves almost none; a categorical's dummies are shuffled as one feature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { FeatureColumn } from '../../src/segmentation/dictionary';
import { permutationImportance } from '../../src/segmentation/importance';
import { matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';

test('the separating feature ranks first, noise last; dummies move together; seeded and deterministic', () => {
  const k = 3;
  const n = 3000;
  const rng = new Rng(1);
  // Columns: sep (segment s at s / 2), noise (uniform, tiny weight), colour=red/blue dummies (random, independent of the segment).
  const cols: FeatureColumn[] = [
    { name: 'sep', feature: 'sep', kind: 'continuous' },
    { name: 'noise', feature: 'noise', kind: 'continuous' },
    { name: 'colour=red', feature: 'colour', kind: 'dummy', category: 'red' },
    { name: 'colour=blue', feature: 'colour', kind: 'dummy', category: 'blue' },
  ];
  const data = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const s = i % k;
    const red = rng.nextFloat() < 0.5;
    data.set([s / 2 + (rng.nextFloat() - 0.5) * 0.05, rng.nextFloat() * 0.01, red ? 0.05 : 0, red ? 0 : 0.05], i * 4);
  }
  const centroids = Float64Array.from([0, 0.005, 0.025, 0.025, 0.5, 0.005, 0.025, 0.025, 1, 0.005, 0.025, 0.025]);
  const m = matrix(n, 4, data);
  const imp = permutationImportance(m, centroids, k, cols, { seed: 9, sampleSize: 2000 });
  assert.equal(imp[0].feature, 'sep');
  assert.ok(Math.abs(imp[0].importance - (1 - 1 / k)) < 0.05, `sep moves ${imp[0].importance}`);
  for (const share of imp[0].bySegment) assert.ok(share > 0.5, `per segment ${imp[0].bySegment}`);
  const noise = imp.find((r) => r.feature === 'noise')!;
  assert.equal(noise.importance, 0, 'the noise feature moves no one');
  const colour = imp.find((r) => r.feature === 'colour')!;
  assert.ok(colour.importance < 0.01, `colour moves ${colour.importance}`);
  assert.equal(imp.length, 3, 'one entry per feature, dummies together');
  assert.deepEqual(permutationImportance(m, centroids, k, cols, { seed: 9, sampleSize: 2000 }), imp, 'same seed, same result');
  assert.throws(() => permutationImportance(m, centroids, k, cols.slice(0, 3), { seed: 9 }), /3 feature columns for a matrix of 4 columns/);
});
