import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineerFeatures } from '../../src/segmentation/engineer';
import { explainSegments } from '../../src/segmentation/explain';
import { displayName, distinguishesAnySegment, featureDistinction, segmentDistinctions, segmentLabels, withLabels } from '../../src/segmentation/labels';
import { cat, ids, num, table } from './tables';

/**
 * Segment names from the features that set each segment apart from the others: on data where
 * one binary dominates every segment's distance from the average customer, each segment is
 * still named after its own feature; human column names; features with no information are not
 * "distinguishing"; the names follow from the profiles alone (as in pushdown mode).
 */

// 4 segments of 48: `member` is 1 in segments 0 and 1, 0 in 2 and 3 (it carries most of every
// centroid's distance from the mean); each segment is higher than the others on its own feature.
const SEG = 48;
const FEATURES = ['spend', 'visits', 'tenure', 'returns'];
const rows = 4 * SEG;
const segmentOf = (i: number) => Math.floor(i / SEG);
const values = (owner: number) => Array.from({ length: rows }, (_, i) => 2 * (i % SEG) + (segmentOf(i) === owner ? 30 : 0));
const t = table([
  ids(rows),
  num(
    'member',
    Array.from({ length: rows }, (_, i) => (segmentOf(i) < 2 ? 1 : 0)),
  ),
  ...FEATURES.map((f, s) => num(f, values(s))),
  // the same mix of colours in every segment: no information about the segment
  cat(
    'colour',
    Array.from({ length: rows }, (_, i) => ['red', 'green', 'blue', 'green'][i % 4]),
  ),
]);
const e = engineerFeatures(t, { userId: 'id' });
const labels = Int32Array.from({ length: rows }, (_, i) => segmentOf(i));

describe('segment labels', () => {
  const s = explainSegments(t, e, labels, 4);

  it('on data where one binary dominates every segment, each is named after its own feature first', () => {
    // the hard case: the binary is every segment's largest share of the distance from the mean
    for (const seg of s.segments) assert.equal(seg.distanceShares[0].feature, 'member', `segment ${seg.segment}`);
    assert.deepEqual(
      s.segments.map((x) => x.label),
      ['high spend, member=1', 'high visits, member=1', 'high tenure, member=0', 'high returns, member=0'],
    );
    assert.equal(new Set(s.segments.map((x) => x.label)).size, 4);
  });

  it('ranks by deviation from the average customer plus lead over the next segment', () => {
    const [first, second] = segmentDistinctions(s.features, 0);
    assert.equal(first.feature, 'spend');
    assert.equal(first.direction, 'higher');
    // spend: segment 0 is 30 higher; the others all sit at the same mean
    const p = s.features.find((f) => f.feature === 'spend');
    assert.ok(p && p.kind === 'continuous');
    const z = (m: number | null) => ((m ?? 0) - (p.population.mean ?? 0)) / (p.population.std ?? 1);
    assert.ok(Math.abs(first.deviation - z(p.segments[0].mean)) < 1e-6);
    assert.ok(Math.abs(first.lead - (z(p.segments[0].mean) - z(p.segments[1].mean))) < 1e-6);
    assert.ok(Math.abs(first.score - (first.deviation + first.lead)) < 1e-6);
    // member = 1 is shared with segment 1: no lead
    assert.equal(second.feature, 'member');
    assert.equal(second.category, '1');
    assert.equal(second.lead, 0);
    assert.ok(first.distinguishes && second.distinguishes);
  });

  it('a feature with no information (the same mix in every segment) distinguishes no segment and names none', () => {
    const colour = s.features.find((f) => f.feature === 'colour');
    assert.ok(colour && colour.kind !== 'continuous');
    assert.ok(colour.informationGain < 1e-12);
    assert.equal(distinguishesAnySegment(colour), false);
    for (let seg = 0; seg < 4; seg++) {
      assert.equal(featureDistinction(colour, 0, seg), null);
      assert.ok(!segmentDistinctions(s.features, seg).some((d) => d.feature === 'colour'));
    }
    assert.ok(s.features.filter((f) => f.feature !== 'colour').every(distinguishesAnySegment));
  });

  it('a small difference in a small segment is not distinguishing (within 3 standard errors)', () => {
    // segment 1 (4 rows) is 2 higher on a 0..11 spread: over a third of a standard deviation, but in 4 rows
    const x = table([ids(12), num('x', [0, 3, 6, 9, 0, 3, 6, 9, 2, 5, 8, 11])]);
    const ex = engineerFeatures(x, { userId: 'id' });
    const sx = explainSegments(x, ex, Int32Array.from([0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]), 2);
    const d = featureDistinction(sx.features[0], 0, 1);
    assert.ok(d && d.deviation >= 0.2 && d.deviation * 2 < 3, JSON.stringify(d));
    assert.equal(d.distinguishes, false);
    assert.equal(sx.segments[1].label, 'high x');
  });

  it('human column names from a labels map: `high total spend`, `Member: yes`', () => {
    const names = { spend: 'Total spend', member: 'Member', visits: 'Web visits', tenure: 'RFM tenure' };
    const named = explainSegments(t, e, labels, 4, { names });
    assert.deepEqual(
      named.segments.map((x) => x.label),
      ['high total spend, Member: yes', 'high web visits, Member: yes', 'high RFM tenure, Member: no', 'high returns, Member: no'],
    );
    // the features keep their column names; only the labels use the human ones
    assert.deepEqual(
      named.features.map((f) => f.feature),
      s.features.map((f) => f.feature),
    );
    assert.equal(displayName('spend', names), 'Total spend');
    assert.equal(displayName('returns', names), 'returns');
    assert.equal(displayName('constructor', names), 'constructor');
  });

  it('labels follow from the profiles alone: renaming a summary gives what explaining with the names gives', () => {
    const names = { spend: 'Total spend' };
    assert.deepEqual(withLabels(s, names), explainSegments(t, e, labels, 4, { names }));
    assert.deepEqual(withLabels(s), s);
    assert.deepEqual(
      segmentLabels(s.features, 4),
      explainSegments(t, e, labels, 4).segments.map((x) => x.label),
    );
  });

  it('segments the same on every feature get unique names', () => {
    const twin = table([ids(6), num('x', [0, 1, 2, 0, 1, 2]), cat('c', ['a', 'b', 'c', 'a', 'b', 'c'])]);
    const et = engineerFeatures(twin, { userId: 'id' });
    const st = explainSegments(twin, et, Int32Array.from([0, 0, 0, 1, 1, 1]), 2);
    assert.deepEqual(
      st.segments.map((x) => x.label),
      ['(segment 0)', '(segment 1)'],
    );
  });
});
