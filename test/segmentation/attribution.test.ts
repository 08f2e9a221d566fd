/**
 * Margin attribution on constructed data whose answer is known: the terms of every row sum to its
 * margin (to 1e-9), the feature that alone separates the segments carries the margin, a feature
 * on which the centroids agree carries none, and dummies are one feature.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { attributeRow, featureGroups, segmentAttribution, topFeatures } from '../../src/segmentation/attribution';
import type { FeatureColumn } from '../../src/segmentation/dictionary';
import { nearestCentroids } from '../../src/segmentation/distance';
import { matrix } from '../../src/segmentation/matrix';
import { Rng } from '../../src/segmentation/rng';

const COLS: FeatureColumn[] = [
  { name: 'spend', feature: 'spend', kind: 'continuous' },
  { name: 'visits', feature: 'visits', kind: 'continuous' },
  { name: 'colour=red', feature: 'colour', kind: 'dummy', category: 'red' },
  { name: 'colour=blue', feature: 'colour', kind: 'dummy', category: 'blue' },
];

function data(n: number, k: number, seed: number) {
  const rng = new Rng(seed);
  const x = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const red = rng.nextFloat() < 0.5;
    // spend separates the segments; visits and colour are noise around the same centroid values.
    x.set([(i % k) / 2 + (rng.nextFloat() - 0.5) * 0.1, 0.3 + (rng.nextFloat() - 0.5) * 0.2, red ? 0.2 : 0, red ? 0 : 0.2], i * 4);
  }
  return matrix(n, 4, x);
}
const CENTROIDS = Float64Array.from([0, 0.3, 0.1, 0.1, 0.5, 0.3, 0.1, 0.1, 1, 0.3, 0.1, 0.1]);

test('every row: the terms sum to its margin, the margin is the runner-up distance minus its own, the runner-up is the nearest other centroid', () => {
  const m = data(2000, 3, 4);
  const groups = featureGroups(COLS);
  assert.deepEqual(groups.features, ['spend', 'visits', 'colour']);
  const labels = nearestCentroids(m, CENTROIDS, 3).labels;
  const dist = (i: number, c: number) => {
    let s = 0;
    for (let j = 0; j < 4; j++) s += (m.data[i * 4 + j] - CENTROIDS[c * 4 + j]) ** 2;
    return s;
  };
  for (let i = 0; i < m.rows; i++) {
    const r = attributeRow(m, i, CENTROIDS, 3, labels[i], groups);
    const others = [0, 1, 2].filter((c) => c !== labels[i]);
    const nearestOther = others.reduce((a, b) => (dist(i, b) < dist(i, a) ? b : a));
    assert.equal(r.runnerUp, nearestOther);
    assert.ok(Math.abs(r.margin - (dist(i, r.runnerUp) - dist(i, labels[i]))) < 1e-12);
    assert.ok(r.margin >= 0);
    const sum = r.terms.reduce((a, b) => a + b, 0);
    assert.ok(Math.abs(sum - r.margin) < 1e-9, `row ${i}: terms sum ${sum}, margin ${r.margin}`);
    // The centroids agree on visits and colour: those terms are exactly 0.
    assert.equal(r.terms[1], 0);
    assert.equal(r.terms[2], 0);
    assert.equal(topFeatures(r.terms, groups, 1)[0], 'spend');
  }
});

test('per segment: the separating feature carries the whole mean margin; seeded and deterministic', () => {
  const m = data(6000, 3, 7);
  const seg = segmentAttribution(m, CENTROIDS, 3, COLS, { seed: 3, sampleSize: 3000 });
  assert.equal(seg.length, 3);
  for (const s of seg) {
    assert.ok(s.rows > 800, `segment ${s.segment}: ${s.rows} rows`);
    assert.equal(s.features[0].feature, 'spend');
    assert.ok(Math.abs(s.features[0].share - 1) < 1e-9, `spend's share ${s.features[0].share}`);
    assert.ok(Math.abs(s.features.reduce((a, f) => a + f.meanTerm, 0) - s.meanMargin) < 1e-9);
  }
  // The middle segment's neighbours are both sides; the outer ones have only the middle one.
  assert.equal(seg[0].nearestOther, 1);
  assert.equal(seg[2].nearestOther, 1);
  assert.deepEqual(segmentAttribution(m, CENTROIDS, 3, COLS, { seed: 3, sampleSize: 3000 }), seg);
});

test('a feature the centroids differ on only a little gets a small share; shares follow the centroid gaps', () => {
  // Two segments apart on spend by 1.0 and on visits by 0.2: for rows at the centroids, the terms are the squared gaps.
  const centroids = Float64Array.from([0, 0, 0, 0, 1, 0.2, 0, 0]);
  const m = matrix(2, 4, Float64Array.from([0, 0, 0, 0, 1, 0.2, 0, 0]));
  const groups = featureGroups(COLS);
  const r = attributeRow(m, 0, centroids, 2, 0, groups);
  assert.ok(Math.abs(r.terms[0] - 1) < 1e-12 && Math.abs(r.terms[1] - 0.04) < 1e-12, `${Array.from(r.terms)}`);
  assert.ok(Math.abs(r.margin - 1.04) < 1e-12);
  assert.deepEqual(topFeatures(r.terms, groups, 3), ['spend', 'visits', 'colour']);
});
