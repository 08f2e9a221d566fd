import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BinaryEntry, ContinuousEntry, DictionaryEntry, DroppedEntry, DummiesEntry } from '../../src/segmentation/dictionary';
import { engineerFeatures, type EngineeredFeatures } from '../../src/segmentation/engineer';
import type { SegmentationOptionsInput } from '../../src/segmentation/options';
import type { InputColumn } from '../../src/segmentation/table';
import { globToRegExp, isIdentifierLikeName } from '../../src/segmentation/columnRules';
import { cat, ids, num, rep, table } from './tables';

const N = 20;

function run(cols: InputColumn[], opts: Partial<SegmentationOptionsInput> = {}): EngineeredFeatures {
  return engineerFeatures(table([ids(cols[0]?.values?.length ?? N), ...cols]), { userId: 'id', ...opts });
}

function entry(e: EngineeredFeatures, column: string): DictionaryEntry {
  const found = e.dictionary.columns.find((c) => c.column === column);
  assert.ok(found, `no dictionary entry for ${column}`);
  return found;
}

function dropped(e: EngineeredFeatures, column: string): DroppedEntry {
  const d = entry(e, column);
  assert.equal(d.treatment, 'dropped', `${column} should be dropped, is ${d.treatment}`);
  return d as DroppedEntry;
}

/** Column j of the matrix as an array. */
function col(e: EngineeredFeatures, j: number): number[] {
  return Array.from({ length: e.matrix.rows }, (_, i) => e.matrix.data[i * e.matrix.cols + j]);
}

/** A continuous filler feature so a table always keeps something. */
const filler = (n = N) =>
  num(
    'spend',
    Array.from({ length: n }, (_, i) => i * 10),
  );

describe('exclusions', () => {
  it('drops `time` and names containing `exclude` by default, case-insensitively', () => {
    const e = run([
      num(
        'time',
        rep(1, N).map((_, i) => i),
      ),
      num(
        'TIME',
        rep(0, N).map((_, i) => i % 3),
      ),
      num(
        'score_EXCLUDED',
        rep(0, N).map((_, i) => i),
      ),
      num(
        'timestamp',
        rep(0, N).map((_, i) => i),
      ),
      filler(),
    ]);
    assert.equal(dropped(e, 'time').reason, 'excluded_default');
    assert.equal(dropped(e, 'TIME').reason, 'excluded_default');
    assert.equal(dropped(e, 'score_EXCLUDED').reason, 'excluded_default');
    assert.match(dropped(e, 'score_EXCLUDED').detail, /exclude/);
    // only the exact name `time` is a default exclusion
    assert.equal(entry(e, 'timestamp').treatment, 'continuous');
  });

  it('drops user exclusions by exact name (case-insensitive) and by glob', () => {
    const vals = rep(0, N).map((_, i) => i % 4);
    const e = run([num('Drop_Me', vals), num('tmp_a', vals), num('tmp_bb', vals), num('tmpx', vals), num('age1', vals), num('age22', vals), filler()], {
      exclude: ['drop_me', 'tmp_*', 'age?', 'nothing_here'],
    });
    assert.equal(dropped(e, 'Drop_Me').reason, 'excluded_by_user');
    assert.match(dropped(e, 'Drop_Me').detail, /drop_me/);
    assert.equal(dropped(e, 'tmp_a').reason, 'excluded_by_user');
    assert.equal(dropped(e, 'tmp_bb').reason, 'excluded_by_user');
    assert.equal(entry(e, 'tmpx').treatment, 'continuous');
    assert.equal(dropped(e, 'age1').reason, 'excluded_by_user');
    assert.equal(entry(e, 'age22').treatment, 'continuous');
    assert.ok(
      e.dictionary.warnings.some((w) => w.includes('nothing_here')),
      'an exclusion that matches nothing is reported',
    );
    assert.deepEqual(
      e.featureColumns.map((f) => f.name),
      ['tmpx', 'age22', 'spend'],
    );
  });

  it('an excluded numeric column may hold NaN without failing the run', () => {
    const e = run([num('broken', [NaN, ...rep(1, N - 1)]), filler()], { exclude: ['broken'] });
    assert.equal(dropped(e, 'broken').reason, 'excluded_by_user');
  });
});

describe('unusable columns', () => {
  it('drops a column with more than maxNullShare nulls, keeps one exactly at the threshold', () => {
    const five = [...rep(null, 5), ...rep(0, 15).map((_, i) => i)]; // 25%
    const six = [...rep(null, 6), ...rep(0, 14).map((_, i) => i)]; // 30%
    const catSix = [...rep(null, 6), ...rep('a', 7), ...rep('b', 7)];
    const e = run([num('at_limit', five), num('over', six), cat('cat_over', catSix), filler()]);
    assert.equal(entry(e, 'at_limit').treatment, 'continuous');
    assert.equal(dropped(e, 'over').reason, 'too_many_nulls');
    assert.match(dropped(e, 'over').detail, /30\.0% nulls > maxNullShare 25\.0%/);
    assert.equal(dropped(e, 'cat_over').reason, 'too_many_nulls');
    const relaxed = run([num('over', six), filler()], { maxNullShare: 0.3 });
    assert.equal(entry(relaxed, 'over').treatment, 'continuous');
  });

  it('drops constant columns (numeric with nulls, categorical)', () => {
    const e = run([num('seven', rep(7, N)), num('seven_or_null', [null, ...rep(7, N - 1)]), cat('same', rep('x', N)), filler()]);
    assert.equal(dropped(e, 'seven').reason, 'constant');
    assert.equal(dropped(e, 'seven_or_null').reason, 'constant');
    assert.equal(dropped(e, 'same').reason, 'constant');
    assert.equal(dropped(e, 'seven').nullCount, 0);
    assert.equal(dropped(e, 'seven_or_null').nullCount, 1);
  });
});

describe('identifiers', () => {
  it('drops a categorical with one distinct value per row', () => {
    const e = run([
      cat(
        'code',
        rep('', N).map((_, i) => `c${i}`),
      ),
      filler(),
    ]);
    const d = dropped(e, 'code');
    assert.equal(d.reason, 'identifier');
    assert.equal(d.distinctCount, N);
  });

  it('drops identifier-like names only when high-cardinality', () => {
    const half = rep('', N).map((_, i) => `p${i % 10}`); // 10 distinct on 20 rows = 50%
    const low = rep('', N).map((_, i) => ['basic', 'pro', 'team'][i % 3]);
    const e = run(
      [
        cat('customer_email', half),
        cat('phoneNumber', half),
        num(
          'store_id',
          rep(0, N).map((_, i) => i),
        ),
        cat('plan_name', low),
        cat('colour', half),
        filler(),
      ],
      { minCategoryShare: 0.1 },
    );
    assert.equal(dropped(e, 'customer_email').reason, 'identifier');
    assert.equal(dropped(e, 'phoneNumber').reason, 'identifier');
    assert.equal(dropped(e, 'store_id').reason, 'identifier', 'numeric *_id with all-distinct values');
    assert.equal(entry(e, 'plan_name').treatment, 'dummies', 'a low-cardinality name column is a feature');
    assert.equal(entry(e, 'colour').treatment, 'dummies', 'the same values under a neutral name are kept');
  });

  it('drops a categorical with no value on >= minCategoryShare of rows as having no frequent value (not an identifier)', () => {
    const vals = rep('', N).map((_, i) => `v${i % 8}`); // 8 values of 2-3 rows each: <= 15%
    const e = run([cat('city', vals), filler()], { minCategoryShare: 0.2 });
    const d = dropped(e, 'city');
    assert.equal(d.reason, 'no_frequent_value');
    assert.match(d.detail, /no value is on >= 20\.0% of rows .*every value would fall into other; lower minCategoryShare/);
  });

  it('never drops a numeric column just because every value differs', () => {
    const e = run([
      num(
        'amount',
        rep(0, N).map((_, i) => i * 1.5),
      ),
      filler(),
    ]);
    assert.equal(entry(e, 'amount').treatment, 'continuous');
  });
});

describe('binary columns', () => {
  it('maps the more frequent value to 0; numeric nulls count as the 0 value', () => {
    const flag = [...rep(1, 12), ...rep(0, 7), null];
    const e = run([num('flag', flag), filler()]);
    const b = entry(e, 'flag') as BinaryEntry;
    assert.equal(b.treatment, 'binary');
    assert.equal(b.zeroValue, 1);
    assert.equal(b.oneValue, 0);
    assert.equal(b.zeroCount, 12);
    assert.equal(b.oneCount, 7);
    assert.equal(b.nullsAs, 'zero_value');
    assert.deepEqual(col(e, b.columns[0]), [...rep(0, 12), ...rep(1, 7), 0]);
  });

  it('breaks ties by sorted value (smaller is 0)', () => {
    const e = run([cat('letter', [...rep('b', 10), ...rep('a', 10)]), num('two', [...rep(5, 10), ...rep(-3, 10)]), filler()]);
    const l = entry(e, 'letter') as BinaryEntry;
    assert.equal(l.zeroValue, 'a');
    assert.equal(l.oneValue, 'b');
    assert.deepEqual(col(e, l.columns[0]), [...rep(1, 10), ...rep(0, 10)]);
    const t = entry(e, 'two') as BinaryEntry;
    assert.equal(t.zeroValue, -3);
    assert.equal(t.oneValue, 5);
  });

  it('treats categorical nulls as a value of their own', () => {
    const e = run([cat('member', [...rep('yes', 16), ...rep(null, 4)]), filler()]);
    const b = entry(e, 'member') as BinaryEntry;
    assert.equal(b.treatment, 'binary');
    assert.equal(b.zeroValue, 'yes');
    assert.equal(b.oneValue, null);
    assert.equal(b.nullsAs, 'own_value');
    assert.deepEqual(col(e, b.columns[0]), [...rep(0, 16), ...rep(1, 4)]);
  });
});

describe('categoricals', () => {
  // JP 8, US 6, FR 2 (10%: kept at the threshold), null 2 (kept, own value), DE 1, IT 1 -> other
  const country = [...rep('JP', 8), ...rep('US', 6), ...rep('FR', 2), null, null, 'DE', 'IT'];

  it('keeps values on >= minCategoryShare of rows, buckets the rest into other, divides by the dummy count', () => {
    const e = run([cat('country', country), filler()]);
    const d = entry(e, 'country') as DummiesEntry;
    assert.equal(d.treatment, 'dummies');
    assert.deepEqual(d.kept, [
      { value: 'JP', count: 8 },
      { value: 'US', count: 6 },
      { value: null, count: 2 },
      { value: 'FR', count: 2 },
    ]);
    assert.deepEqual(d.other, { count: 2, distinctCount: 2, values: ['DE', 'IT'], valuesTruncated: false });
    assert.equal(d.dummyCount, 5);
    assert.deepEqual(
      d.columns.map((j) => e.featureColumns[j]),
      [
        { name: 'country=JP', feature: 'country', kind: 'dummy', category: 'JP' },
        { name: 'country=US', feature: 'country', kind: 'dummy', category: 'US' },
        { name: 'country=(null)', feature: 'country', kind: 'dummy', category: null },
        { name: 'country=FR', feature: 'country', kind: 'dummy', category: 'FR' },
        { name: 'country=(other)', feature: 'country', kind: 'other' },
      ],
    );
    for (const j of d.columns) assert.equal(e.weights[j], 1 / 5);
    // row 0 is JP, row 16 null, row 18 DE (other)
    const row = (i: number) => d.columns.map((j) => e.matrix.data[i * e.matrix.cols + j]);
    assert.deepEqual(row(0), [0.2, 0, 0, 0, 0]);
    assert.deepEqual(row(16), [0, 0, 0.2, 0, 0]);
    assert.deepEqual(row(18), [0, 0, 0, 0, 0.2]);
    // every row has exactly one hot dummy: the feature's dummies sum to 1 / dummyCount
    for (let i = 0; i < N; i++)
      assert.equal(
        row(i).reduce((s, v) => s + v, 0),
        0.2,
      );
  });

  it('follows minCategoryShare: a higher share moves values into other', () => {
    const e = run([cat('country', country), filler()], { minCategoryShare: 0.3 });
    const d = entry(e, 'country') as DummiesEntry;
    assert.deepEqual(
      d.kept.map((k) => k.value),
      ['JP', 'US'],
    );
    assert.equal(d.other?.count, 6);
    assert.deepEqual(d.other?.values, [null, 'FR', 'DE', 'IT']);
    assert.equal(d.dummyCount, 3);
  });

  it('has no other dummy when every value is kept', () => {
    const e = run([
      cat(
        'tier',
        rep('', N).map((_, i) => ['gold', 'silver', 'bronze'][i % 3]),
      ),
      filler(),
    ]);
    const d = entry(e, 'tier') as DummiesEntry;
    assert.equal(d.other, null);
    assert.equal(d.dummyCount, 3);
    assert.ok(d.columns.every((j) => e.featureColumns[j].kind === 'dummy'));
  });
});

describe('continuous columns and nulls', () => {
  it('imputes numeric nulls with the median, min-max scales, keeps every row', () => {
    const v = [10, null, 30, 20, null, 40, ...rep(0, N - 6).map((_, i) => 50 + i)];
    const e = run([num('spend', v)]);
    const c = entry(e, 'spend') as ContinuousEntry;
    assert.equal(c.treatment, 'continuous');
    assert.equal(c.nullCount, 2);
    const nonNull = v.filter((x): x is number => x !== null).sort((a, b) => a - b);
    const median = (nonNull[8] + nonNull[9]) / 2; // 18 values
    assert.equal(c.median, median);
    assert.equal(c.min, 10);
    assert.equal(c.max, 50 + N - 7);
    assert.equal(e.matrix.rows, N);
    assert.equal(e.userIds.length, N);
    const x = col(e, 0);
    assert.equal(x[0], 0);
    assert.equal(x[N - 1], 1);
    assert.equal(x[1], (median - c.min) / (c.max - c.min));
    assert.equal(x[1], x[4]);
    assert.ok(x.every((t) => t >= 0 && t <= 1));
  });
});

describe('priority factors', () => {
  const base = () => [
    num(
      'spend',
      rep(0, N).map((_, i) => i),
    ),
    cat(
      'country',
      rep('', N).map((_, i) => ['JP', 'US', 'FR', 'DE'][i % 4]),
    ),
    cat(
      'country_code',
      rep('', N).map((_, i) => ['a', 'b', 'c'][i % 3]),
    ),
    num(
      'flag',
      rep(0, N).map((_, i) => (i % 5 === 0 ? 1 : 0)),
    ),
  ];

  it('multiplies a feature and its dummies by the tier factor (default 3 / 2 / 1.5), never by name prefix', () => {
    const plain = run(base());
    const e = run(base(), { priority: { high: ['spend'], med: ['country'], low: ['flag'] } });
    const w = (name: string) => e.weights[e.featureColumns.findIndex((f) => f.name === name)];
    assert.equal(w('spend'), 3);
    for (const v of ['JP', 'US', 'FR', 'DE']) assert.equal(w(`country=${v}`), 2 / 4);
    for (const v of ['a', 'b', 'c']) assert.equal(w(`country_code=${v}`), 1 / 3, 'a feature sharing the prefix keeps its weight');
    assert.equal(w('flag'), 1.5);
    assert.equal((entry(e, 'country') as DummiesEntry).factor, 2);
    assert.equal((entry(e, 'country') as DummiesEntry).priority, 'med');
    // matrix = unweighted matrix x weight, column by column
    for (let j = 0; j < e.matrix.cols; j++) {
      const ratio = e.weights[j] / plain.weights[j];
      assert.deepEqual(
        col(e, j),
        col(plain, j).map((t) => t * ratio),
      );
    }
    assert.equal(Math.max(...col(e, 0)), 3);
  });

  it('accepts custom real-valued factors', () => {
    const e = run(base(), { priority: { high: ['spend'], med: [], low: ['country'] }, priorityFactors: { high: 2.5, med: 2, low: 0.5 } });
    assert.equal(e.weights[0], 2.5);
    assert.equal(e.weights[1], 0.5 / 4);
  });

  it('warns (and ignores) a priority on a column that was dropped', () => {
    const e = run([...base(), num('const', rep(1, N))], { priority: { high: ['const'] } });
    assert.equal(dropped(e, 'const').priorityIgnored, 'high');
    assert.ok(e.dictionary.warnings.some((w) => w.includes('const') && w.includes('ignored')));
  });
});

describe('data dictionary', () => {
  it('has one JSON-serialisable entry per input column, in input order, with what happened and why', () => {
    const e = engineerFeatures(
      table([
        num(
          'time',
          rep(0, N).map((_, i) => i),
        ),
        ids(N, 'cid'),
        num('spend', [...rep(0, N - 1).map((_, i) => i), null]),
        cat('member', [...rep('y', 15), ...rep('n', 5)]),
        cat(
          'email',
          rep('', N).map((_, i) => `${i}@x`),
        ),
        num('nulls', rep(null, N)),
      ]),
      { userId: 'cid' },
    );
    const d = e.dictionary;
    assert.deepEqual(JSON.parse(JSON.stringify(d)), d, 'JSON round trip');
    assert.deepEqual(
      d.columns.map((c) => [c.column, c.treatment]),
      [
        ['time', 'dropped'],
        ['cid', 'user_id'],
        ['spend', 'continuous'],
        ['member', 'binary'],
        ['email', 'dropped'],
        ['nulls', 'dropped'],
      ],
    );
    assert.equal(d.table, 'test.customers');
    assert.equal(d.rowCount, N);
    assert.equal(d.userId, 'cid');
    const spend = entry(e, 'spend') as ContinuousEntry;
    assert.deepEqual(
      { min: spend.min, max: spend.max, median: spend.median, nullCount: spend.nullCount, imputed: spend.nullsImputedWith, columns: spend.columns },
      { min: 0, max: N - 2, median: 9, nullCount: 1, imputed: 'median', columns: [0] },
    );
    const member = entry(e, 'member') as BinaryEntry;
    assert.deepEqual([member.zeroValue, member.oneValue, member.zeroCount, member.oneCount], ['y', 'n', 15, 5]);
    assert.equal(dropped(e, 'nulls').reason, 'too_many_nulls');
    assert.equal(dropped(e, 'email').reason, 'identifier');
    assert.deepEqual(e.scaler, { kind: 'minmax', min: [0, 0], max: [N - 2, 1] });
  });
});

describe('name rules', () => {
  it('globs: *, ?, classes, negated classes, regex characters taken literally, case-insensitive', () => {
    const m = (g: string, s: string) => globToRegExp(g).test(s);
    assert.ok(m('tmp_*', 'TMP_x'));
    assert.ok(m('*_score', 'rfm_score'));
    assert.ok(!m('*_score', 'rfm_score2'));
    assert.ok(m('q[12]_*', 'q2_total'));
    assert.ok(!m('q[!12]_*', 'q2_total'));
    assert.ok(m('q[!12]_*', 'q3_total'));
    assert.ok(m('a.b+(c)', 'A.B+(C)'));
    assert.ok(!m('a.b', 'axb'));
  });

  it('identifier-like names', () => {
    for (const yes of ['email', 'user_email', 'EmailAddress', 'phone', 'mobile_number', 'first_name', 'lastName', 'name', 'home_address', 'customer_id', 'userId', 'id', 'uuid'])
      assert.ok(isIdentifierLikeName(yes), yes);
    for (const no of ['country', 'total_spend', 'idle_days', 'video_views', 'valid', 'rapid']) assert.ok(!isIdentifierLikeName(no), no);
  });
});
