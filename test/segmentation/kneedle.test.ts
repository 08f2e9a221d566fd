import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kneedle, pairwiseSum } from '../../src/segmentation/kneedle';
import { selectK } from '../../src/segmentation/selectK';
import { SegmentationInputError } from '../../src/segmentation/errors';

const range = (a: number, b: number): number[] => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/**
 * Curves with the elbow python kneed 0.9 returns for
 * KneeLocator(x, y, curve='convex', direction='decreasing') (S=1 unless said), each derived by
 * walking kneed's algorithm by hand (yd = (1 - yn) - xn; maxima / minima of yd; threshold =
 * yd[max] - S * mean step of xn; a minimum switches detection off until the next maximum).
 */
const curves: { name: string; x: number[]; y: number[]; s?: number; elbow: number | null }[] = [
  {
    // yd = [0, .357, .593, .529, .440, .339, .232, .119, 0]; max at k=4, T = .593 - .125 = .468; yd(6) = .440 < T
    name: 'typical inertia curve, k = 2..10',
    x: range(2, 10),
    y: [1000, 600, 300, 250, 220, 200, 185, 175, 170],
    elbow: 4,
  },
  {
    // yd = [0, .781, .625, .468, .312, .156, 0]; max at x=2, T = .781 - .167 = .614; yd(3) = .625 >= T, yd(4) = .468 < T
    name: 'sharp early elbow',
    x: range(1, 7),
    y: [100, 10, 9, 8, 7, 6, 5],
    elbow: 2,
  },
  {
    // yd = [0, .10, .05, .40, .25, .10, 0]: maxima at x=3 (T < 0, never crossed) and x=5 (T = .233); minimum at x=4
    // switches detection off; at x=6 the next value .10 < .233 -> elbow 5
    name: 'second local maximum',
    x: range(2, 8),
    y: [600, 440, 370, 60, 50, 40, 0],
    elbow: 5,
  },
  {
    // yd = [0, .05, -.04, -.02, .30, .15, 0]: after the minimum at x=4 kneed 0.8 took yd(5) < 0 as the elbow x=3;
    // kneed 0.9 keeps detection off until the maximum at x=6 (T = .133), crossed at x=8 -> 6
    name: 'dip below the chord after a minimum (kneed 0.9 behaviour)',
    x: range(2, 8),
    y: [600, 470, 424, 312, 20, 10, 0],
    elbow: 6,
  },
  {
    // yd at x=1..6 = [0, .444, .519, .5, .444, .370]; max at 3, T = .519 - .111 = .407; yd(6) = .370 < T
    name: '1/x',
    x: range(1, 10),
    y: range(1, 10).map((k) => 1 / k),
    elbow: 3,
  },
  {
    // xn = [0, .091, .273, .545, 1], yd = [0, .576, .616, .432, 0]; max at 5, T = .616 - .25 = .366; yd(13) = 0 < T
    name: 'uneven k spacing',
    x: [2, 3, 5, 8, 13],
    y: [100, 40, 20, 12, 10],
    elbow: 5,
  },
  {
    // yd = [0, .15, .20, .15, 0]; T = .20 - .25 < 0: never crossed -> None
    name: 'convex but too gentle for 5 points',
    x: range(1, 5),
    y: [10, 6, 3, 1, 0],
    elbow: null,
  },
  {
    // same curve, S = 0: T = .20, yd(4) = .15 < T -> 3
    name: 'the same with sensitivity 0',
    x: range(1, 5),
    y: [10, 6, 3, 1, 0],
    s: 0,
    elbow: 3,
  },
  { name: 'straight line (exact)', x: range(1, 9), y: range(1, 9).map((k) => 100 - 10 * k), elbow: null },
  { name: 'straight line (with rounding noise)', x: range(1, 9), y: range(1, 9).map((k) => 1 - 0.1 * k), elbow: null },
  { name: 'flat', x: range(2, 7), y: [5, 5, 5, 5, 5, 5], elbow: null },
  { name: 'two points', x: [2, 3], y: [10, 5], elbow: null },
];

describe('kneedle agrees with kneed', () => {
  for (const c of curves) {
    it(`${c.name} -> ${c.elbow}`, () => {
      const r = kneedle(c.x, c.y, c.s === undefined ? {} : { sensitivity: c.s });
      assert.equal(r.elbowK, c.elbow, r.reason);
      if (c.elbow === null) assert.match(r.reason, /^no elbow/);
      else assert.match(r.reason, new RegExp(`^elbow at ${c.elbow}`));
    });
  }

  it('says why there is no elbow', () => {
    assert.match(
      kneedle(
        range(1, 9),
        range(1, 9).map((k) => 100 - 10 * k),
      ).reason,
      /straight line/,
    );
    assert.match(kneedle([2, 3, 4], [5, 5, 5]).reason, /flat/);
    assert.match(kneedle([2, 3], [10, 5]).reason, /at least 3/);
    assert.match(kneedle(range(1, 5), [10, 6, 3, 1, 0]).reason, /never drops below its threshold/);
  });

  it('exposes the normalised difference curve', () => {
    const r = kneedle(range(2, 10), [1000, 600, 300, 250, 220, 200, 185, 175, 170]);
    assert.deepEqual(r.normalizedX, [0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.875, 1]);
    assert.equal(r.difference[0], 0);
    assert.equal(r.difference[8], 0);
    assert.ok(Math.abs(r.difference[2] - (1 - 130 / 830 - 0.25)) < 1e-15);
  });

  it('rejects x that is not strictly increasing and non-finite points', () => {
    assert.throws(() => kneedle([3, 2, 4], [3, 2, 1]), /strictly increasing/);
    assert.throws(() => kneedle([1, 2, 3], [3, NaN, 1]), /not finite/);
  });

  it('sums like numpy (pairwise with 8 accumulators from 8 values on)', () => {
    const a = [1e16, 1, 1, 1, 1, 1, 1, 1, 1, -1e16];
    // sequential summation loses every 1; numpy's blocks keep the ones added to each other
    let seq = 0;
    for (const v of a) seq += v;
    assert.equal(pairwiseSum(a, 0, a.length), 1e16 + 1 + (1 + 1) + (1 + 1 + (1 + 1)) + 1 + -1e16);
    assert.notEqual(pairwiseSum(a, 0, a.length), seq);
    assert.equal(pairwiseSum([1, 2, 3], 0, 3), 6);
  });
});

describe('selectK', () => {
  const inertia = [1000, 600, 300, 250, 220, 200, 185, 175, 170];
  const silhouette = [0.4, 0.5, 0.45, 0.62, 0.5, 0.62, 0.3, 0.2, 0.1];
  const scores = range(2, 10).map((k, i) => ({ k, inertia: inertia[i], silhouette: silhouette[i] }));

  it('chooses the elbow by default and reports the best silhouette beside it (ties to the smaller k)', () => {
    const r = selectK([...scores].reverse());
    assert.deepEqual([r.elbowK, r.silhouetteK, r.chosenK, r.selection, r.requested], [4, 5, 4, 'elbow', 'elbow']);
    assert.match(r.reason, /elbow/);
  });

  it('chooses by silhouette when asked', () => {
    const r = selectK(scores, { selection: 'silhouette' });
    assert.deepEqual([r.chosenK, r.selection], [5, 'silhouette']);
  });

  it('an explicit k overrides both', () => {
    const r = selectK(scores, { k: 7, selection: 'silhouette' });
    assert.deepEqual([r.elbowK, r.silhouetteK, r.chosenK, r.selection], [4, 5, 7, 'explicit']);
    assert.match(r.reason, /given explicitly/);
  });

  it('falls back to silhouette when the inertia curve has no elbow, and says so', () => {
    const straight = range(2, 10).map((k, i) => ({ k, inertia: 100 - 10 * k, silhouette: silhouette[i] }));
    const r = selectK(straight);
    assert.deepEqual([r.elbowK, r.chosenK, r.selection, r.requested], [null, 5, 'silhouette', 'elbow']);
    assert.match(r.reason, /no elbow.*silhouette instead/);
  });

  it('rejects an empty score list without k and a bad explicit k', () => {
    assert.throws(
      () => selectK([]),
      (e: unknown) => e instanceof SegmentationInputError && e.code === 'K_OUT_OF_RANGE',
    );
    assert.throws(
      () => selectK(scores, { k: 1 }),
      (e: unknown) => e instanceof SegmentationInputError && e.code === 'K_OUT_OF_RANGE' && e.message.includes('1'),
    );
    assert.equal(selectK([], { k: 3 }).chosenK, 3);
  });
});
