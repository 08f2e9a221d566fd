import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { engineerFeatures } from '../../src/segmentation/engineer';
import { isSegmentationInputError, SegmentationInputError } from '../../src/segmentation/errors';
import { segment } from '../../src/segmentation/index';
import { kCandidates, parseOptions } from '../../src/segmentation/options';
import { cat, ids, num, rep, table, throwsInput } from './tables';

const N = 12;
const good = () => [
  ids(N),
  num(
    'spend',
    rep(0, N).map((_, i) => i * 3),
  ),
  cat(
    'tier',
    rep('', N).map((_, i) => ['a', 'b', 'c'][i % 3]),
  ),
];

describe('bad input gives typed errors that name the culprit', () => {
  it('EMPTY_TABLE: no rows, or no columns', () => {
    throwsInput(() => engineerFeatures({ name: 'db.empty', rowCount: 0, columns: [cat('id', [])] }, { userId: 'id' }), 'EMPTY_TABLE', 'db.empty');
    throwsInput(() => engineerFeatures({ name: 'db.nocols', rowCount: 5, columns: [] }, { userId: 'id' }), 'EMPTY_TABLE', 'db.nocols');
  });

  it('BAD_TABLE: a column of the wrong length, a duplicated column', () => {
    const e = throwsInput(() => engineerFeatures({ name: 't', rowCount: N, columns: [...good(), num('short', [1, 2])] }, { userId: 'id' }), 'BAD_TABLE', '"short"', '2 values');
    assert.equal(e.column, 'short');
    throwsInput(() => engineerFeatures(table([...good(), num('spend', rep(1, N))]), { userId: 'id' }), 'BAD_TABLE', '"spend"');
  });

  it('USER_ID_MISSING names the column, the table and suggests a near match', () => {
    const e = throwsInput(() => engineerFeatures(table(good(), 'db.customers'), { userId: 'ID' }), 'USER_ID_MISSING', '"ID"', 'db.customers', 'did you mean "id"');
    assert.equal(e.column, 'ID');
    assert.equal(e.table, 'db.customers');
  });

  it('USER_ID_NULL names the row, for categorical and numeric ids', () => {
    const cols = good();
    cols[0] = cat('id', ['a', 'b', null, ...rep('', N - 3).map((_, i) => `x${i}`)]);
    const e = throwsInput(() => engineerFeatures(table(cols), { userId: 'id' }), 'USER_ID_NULL', '"id"', 'row 2');
    assert.equal(e.row, 2);
    const numeric = [num('nid', [...rep(0, N - 1).map((_, i) => i), null]), ...good().slice(1)];
    throwsInput(() => engineerFeatures(table(numeric), { userId: 'nid' }), 'USER_ID_NULL', '"nid"', `row ${N - 1}`);
  });

  it('USER_ID_DUPLICATE names the duplicated id and both rows', () => {
    const cols = good();
    cols[0] = cat(
      'id',
      rep('', N).map((_, i) => (i === 7 ? 'u3' : `u${i}`)),
    );
    const e = throwsInput(() => engineerFeatures(table(cols), { userId: 'id' }), 'USER_ID_DUPLICATE', '"u3"', 'rows 3 and 7', 'deduplicate');
    assert.equal(e.value, 'u3');
    const numeric = [
      num(
        'nid',
        rep(0, N).map((_, i) => (i === 5 ? 1 : i)),
      ),
      ...good().slice(1),
    ];
    throwsInput(() => engineerFeatures(table(numeric), { userId: 'nid' }), 'USER_ID_DUPLICATE', '"1"');
    // Ids in user-id order (as the extract stage leaves them): found by comparing neighbours, same rows named.
    cols[0] = cat(
      'id',
      rep('', N).map((_, i) => String(i < 9 ? i : i - 1)),
    );
    throwsInput(() => engineerFeatures(table(cols), { userId: 'id' }), 'USER_ID_DUPLICATE', '"8"', 'rows 8 and 9');
  });

  it('NO_FEATURES lists every dropped column and why', () => {
    const cols = [
      ids(N),
      num(
        'time',
        rep(0, N).map((_, i) => i),
      ),
      num('same', rep(4, N)),
      cat(
        'code',
        rep('', N).map((_, i) => `c${i}`),
      ),
    ];
    const e = throwsInput(() => engineerFeatures(table(cols), { userId: 'id' }), 'NO_FEATURES', 'time (excluded_default', 'same (constant', 'code (identifier');
    assert.deepEqual(
      (e.details?.dropped as { column: string }[]).map((d) => d.column),
      ['time', 'same', 'code'],
    );
    throwsInput(() => engineerFeatures(table([ids(N)]), { userId: 'id' }), 'NO_FEATURES', 'only the user id');
  });

  it('K_OUT_OF_RANGE: k < 2, k >= rows, kRange beyond the rows', () => {
    throwsInput(() => parseOptions({ userId: 'id', k: 1 }), 'K_OUT_OF_RANGE', 'option k', 'got 1');
    throwsInput(() => parseOptions({ userId: 'id', k: 2.5 }), 'K_OUT_OF_RANGE', 'option k');
    throwsInput(() => parseOptions({ userId: 'id', kRange: { min: 1, max: 5 } }), 'K_OUT_OF_RANGE', 'kRange.min');
    throwsInput(() => parseOptions({ userId: 'id', kRange: { min: 6, max: 5 } }), 'K_OUT_OF_RANGE', 'kRange');
    // At most 50 k per run (one scoring activity each): 2..51 is accepted, 2..52 is not.
    assert.deepEqual(parseOptions({ userId: 'id', kRange: { min: 2, max: 51 } }).kRange, { min: 2, max: 51 });
    throwsInput(() => parseOptions({ userId: 'id', kRange: { min: 2, max: 52 } }), 'K_OUT_OF_RANGE', 'at most 50 values');
    throwsInput(() => segment(table(good()), { userId: 'id', k: N }), 'K_OUT_OF_RANGE', `k = ${N}`, `has ${N}`, `between 2 and ${N - 1}`);
    const e = throwsInput(() => segment(table(good()), { userId: 'id', kRange: { min: 3, max: N } }), 'K_OUT_OF_RANGE', `kRange 3..${N}`, `at most ${N - 1}`);
    assert.equal(e.value, `3..${N}`);
    throwsInput(() => kCandidates(parseOptions({ userId: 'id', sampleSize: 5 }), 100, 't'), 'K_OUT_OF_RANGE', 'sampleSize 5', 'at most 4');
  });

  it('UNKNOWN_PRIORITY_FEATURE names the feature and the tier', () => {
    const e = throwsInput(() => engineerFeatures(table(good()), { userId: 'id', priority: { med: ['Spend'] } }), 'UNKNOWN_PRIORITY_FEATURE', '"Spend"', 'priority.med', 'did you mean "spend"');
    assert.equal(e.column, 'Spend');
  });

  it('NON_FINITE_VALUE names the column, the value and the row (NaN, Infinity)', () => {
    const withNaN = [...good(), num('score', [1, 2, 3, NaN, ...rep(5, N - 4)])];
    const e = throwsInput(() => engineerFeatures(table(withNaN), { userId: 'id' }), 'NON_FINITE_VALUE', '"score"', 'NaN', 'row 3');
    assert.deepEqual([e.column, e.value, e.row], ['score', 'NaN', 3]);
    const withInf = [...good(), num('score', [...rep(5, N - 1), -Infinity])];
    throwsInput(() => engineerFeatures(table(withInf), { userId: 'id' }), 'NON_FINITE_VALUE', '"score"', '-Infinity');
    // a NaN behind a null flag is a null, not an error
    const col = num(
      'score',
      rep(1, N).map((_, i) => i),
    );
    if (col.kind === 'numeric') {
      (col.values as Float64Array)[2] = NaN;
      (col.nulls as Uint8Array)[2] = 1;
    }
    assert.doesNotThrow(() => engineerFeatures(table([...good(), col]), { userId: 'id' }));
  });

  it('BAD_FACTOR: a priority factor that is zero, negative or not finite', () => {
    for (const bad of [0, -1, Infinity, NaN]) {
      const e = throwsInput(() => engineerFeatures(table(good()), { userId: 'id', priority: { high: ['spend'] }, priorityFactors: { high: bad } }), 'BAD_FACTOR', 'priorityFactors.high');
      assert.equal(e.value, String(bad));
    }
  });

  it('BAD_OPTION for other invalid options (unknown key, shares out of range, one feature in two tiers)', () => {
    throwsInput(() => parseOptions({ userId: 'id', minCategoryShare: 0 }), 'BAD_OPTION', 'minCategoryShare');
    throwsInput(() => parseOptions({ userId: 'id', maxNullShare: 1.5 }), 'BAD_OPTION', 'maxNullShare');
    throwsInput(() => parseOptions({ userId: 'id', kRnage: { min: 2, max: 3 } }), 'BAD_OPTION', 'kRnage');
    throwsInput(() => parseOptions({ userId: 'id', priority: { high: ['a'], low: ['a'] } }), 'BAD_OPTION', '"a"', 'priority.high', 'priority.low');
    throwsInput(() => parseOptions({}), 'BAD_OPTION', 'userId');
  });

  it('errors are plain: name, code, fields, JSON', () => {
    const e = throwsInput(() => engineerFeatures(table(good(), 'db.t'), { userId: 'nope' }), 'USER_ID_MISSING');
    assert.equal(e.name, 'SegmentationInputError');
    assert.ok(isSegmentationInputError(e));
    assert.ok(e instanceof Error);
    const json = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
    assert.equal(json.code, 'USER_ID_MISSING');
    assert.equal(json.table, 'db.t');
    assert.equal(json.column, 'nope');
    assert.equal(json.message, e.message);
    assert.ok(!isSegmentationInputError(new Error('x')));
    assert.ok(new SegmentationInputError('EMPTY_TABLE', 'm').toJSON().code === 'EMPTY_TABLE');
  });
});

describe('options', () => {
  it('fills the documented defaults', () => {
    assert.deepEqual(parseOptions({ userId: 'id' }), {
      userId: 'id',
      exclude: [],
      minCategoryShare: 0.1,
      keepTopCategories: 0,
      categorical: [],
      maxNullShare: 0.25,
      priority: { high: [], med: [], low: [] },
      priorityFactors: { high: 3, med: 2, low: 1.5 },
      kRange: { min: 2, max: 10 },
      sampleSize: 10000,
      seed: 0,
      nInit: 20,
      maxIter: 300,
      tol: 1e-4,
      selection: 'elbow',
    });
  });

  it('defaults are fresh objects per parse', () => {
    const a = parseOptions({ userId: 'id' });
    a.priority.high.push('x');
    a.priorityFactors.high = 9;
    assert.deepEqual(parseOptions({ userId: 'id' }).priority.high, []);
    assert.equal(parseOptions({ userId: 'id' }).priorityFactors.high, 3);
  });

  it('kCandidates: all of kRange, or only what fits when k is explicit', () => {
    assert.deepEqual(kCandidates(parseOptions({ userId: 'id', kRange: { min: 3, max: 5 } }), 100, 't'), [3, 4, 5]);
    assert.deepEqual(kCandidates(parseOptions({ userId: 'id', k: 3 }), 6, 't'), [2, 3, 4, 5]);
  });
});
