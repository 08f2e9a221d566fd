/**
 * Stability per k (mean adjusted Rand index between bootstrap fits) and `selection: 'stability'`:
 * the ARI equals scikit-learn's on its documented examples; well-separated blobs are perfectly
 * stable at their true k and less so at other k; the selection picks the most stable k.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adjustedRandIndex, scoreK, stability } from '../../src/segmentation/scoring';
import { selectK, STABILITY_TOLERANCE } from '../../src/segmentation/selectK';
import { matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';
import { blobs } from './blobs';

const L = (xs: number[]) => Int32Array.from(xs);

test("adjusted Rand index: scikit-learn's adjusted_rand_score on its documented examples", () => {
  assert.equal(adjustedRandIndex(L([0, 0, 1, 1]), L([0, 0, 1, 1]), 2, 2), 1);
  assert.equal(adjustedRandIndex(L([0, 0, 1, 1]), L([1, 1, 0, 0]), 2, 2), 1, 'renamed labels');
  assert.ok(Math.abs(adjustedRandIndex(L([0, 0, 1, 2]), L([0, 0, 1, 1]), 3, 2) - 0.5714285714285715) < 1e-15);
  assert.ok(Math.abs(adjustedRandIndex(L([0, 0, 1, 1]), L([0, 0, 1, 2]), 2, 3) - 0.5714285714285715) < 1e-15);
  assert.equal(adjustedRandIndex(L([0, 0, 0, 0]), L([0, 1, 2, 3]), 1, 4), 0);
  assert.ok(Math.abs(adjustedRandIndex(L([0, 0, 1, 1]), L([0, 1, 0, 1]), 2, 2) - -0.5) < 1e-15);
});

test('blobs: stability 1 at the true k, lower at a k that cuts a blob; deterministic; scoreK reports it', () => {
  const { m } = blobs(4, 300, 3, 11, 0.3);
  const at4 = stability(m, 4, 5);
  assert.ok(at4 > 0.999, `k = 4: ${at4}`);
  const at7 = stability(m, 7, 5);
  assert.ok(at7 < at4 - 0.05, `k = 7: ${at7} vs k = 4: ${at4}`);
  assert.equal(stability(m, 7, 5), at7, 'same seed, same stability');
  assert.equal(scoreK(m, { k: 4, seed: 5, sampleSize: 10_000, nInit: 3 }).stability, at4);
});

test('uniform noise is less stable than blobs at every k', () => {
  const rng = new Rng(3);
  const noise = matrix(
    1200,
    3,
    Float64Array.from({ length: 3600 }, () => rng.nextFloat()),
  );
  const { m } = blobs(3, 400, 3, 2, 0.3);
  for (const k of [3, 5]) assert.ok(stability(noise, k, 1) < stability(m, 3, 1), `k = ${k}`);
});

test("selection 'stability': the most stable k, the largest within the tolerance; falls back to the elbow without stability scores", () => {
  const scores = [
    { k: 2, inertia: 100, silhouette: 0.5, stability: 0.99 },
    { k: 3, inertia: 40, silhouette: 0.6, stability: 0.997 },
    { k: 4, inertia: 35, silhouette: 0.55, stability: 0.997 - STABILITY_TOLERANCE / 2 },
    { k: 5, inertia: 31, silhouette: 0.4, stability: 0.7 },
  ];
  const s = selectK(scores, { selection: 'stability' });
  assert.equal(s.chosenK, 4);
  assert.equal(s.selection, 'stability');
  assert.equal(s.stabilityK, 4);
  assert.match(s.reason, /k = 4 gives the most reproducible segments .*within 0\.005 of the best 0\.997/);
  const old = selectK(
    scores.map(({ stability: _s, ...rest }) => rest),
    { selection: 'stability' },
  );
  assert.equal(old.selection, 'elbow');
  assert.equal(old.stabilityK, null);
});
