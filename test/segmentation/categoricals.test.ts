/**
 * Categoricals beyond minCategoryShare: `keepTopCategories` (the N most frequent values of a
 * column that has no frequent value), the code warning on integer columns that look like codes,
 * and the `categorical` override that reads a numeric column as the text of its values. Each
 * rule also through dictionaryFromProfiles (the pushdown path), which must give the same plan.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, segment } from '../../src/segmentation';
import { codeWarning, isCodeLikeName } from '../../src/segmentation/codes';
import type { ContinuousEntry, DictionaryEntry, DroppedEntry, DummiesEntry, BinaryEntry } from '../../src/segmentation/dictionary';
import { dictionaryFromProfiles, engineerFeatures, type EngineeredFeatures } from '../../src/segmentation/engineer';
import type { SegmentationOptionsInput } from '../../src/segmentation/options';
import { profileColumn } from '../../src/segmentation/profile';
import type { ColumnarTable, InputColumn } from '../../src/segmentation/table';
import { cat, throwsInput, ids, num, table } from './tables';

function entry<T extends DictionaryEntry>(e: EngineeredFeatures, column: string, treatment: T['treatment']): T {
  const found = e.dictionary.columns.find((c) => c.column === column);
  assert.ok(found, `no entry for ${column}`);
  assert.equal(found.treatment, treatment, `${column}: ${JSON.stringify(found)}`);
  return found as T;
}

/** engineerFeatures, checked against dictionaryFromProfiles on the same table and options. */
function engineer(t: ColumnarTable, options: SegmentationOptionsInput): EngineeredFeatures {
  const worker = engineerFeatures(t, options);
  const o = worker.options;
  const listed = new Set(o.categorical.map((s) => s.toLowerCase()));
  const profiles = t.columns.map((c) =>
    profileColumn(t.rowCount, c, o.minCategoryShare, true, { keepTop: o.keepTopCategories, asText: c.kind === 'numeric' && listed.has(c.name.toLowerCase()) && c.name !== o.userId }),
  );
  const plan = dictionaryFromProfiles({ name: t.name, rowCount: t.rowCount, profiles, userId: { nullCount: 0, distinctCount: t.rowCount } }, options);
  assert.deepEqual(plan.dictionary, worker.dictionary);
  assert.deepEqual(plan.featureColumns, worker.featureColumns);
  assert.deepEqual(plan.scaler, worker.scaler);
  assert.deepEqual(plan.weights, worker.weights);
  return worker;
}

/** Row i holds value i % 25 (a nation key: 25 codes, 4% each), except the first 4 rows hold 7. */
const nation = (n: number): number[] => Array.from({ length: n }, (_, i) => (i < 4 ? 7 : i % 25));
/** A spend-like amount: many distinct non-integer values. */
const spend = (n: number): number[] => Array.from({ length: n }, (_, i) => 10 + ((i * 37) % 101) * 1.25);

describe('keepTopCategories', () => {
  // 'v00'..'v24' on 4% of rows each (a no_frequent_value column), 'v07' on 4 more, ties between the others.
  const n = 500;
  const t = table([
    ids(n),
    cat(
      'region',
      nation(n).map((v) => `v${String(v).padStart(2, '0')}`),
    ),
    num('spend', spend(n)),
  ]);

  it('0 (default): a categorical with no value on minCategoryShare is dropped as no_frequent_value, the detail names the option', () => {
    const e = engineer(t, { userId: 'id' });
    const d = entry<DroppedEntry>(e, 'region', 'dropped');
    assert.equal(d.reason, 'no_frequent_value');
    assert.match(d.detail, /keepTopCategories/);
  });

  it('N keeps exactly the N most frequent values (ties by value) plus other, and says so', () => {
    const e = engineer(t, { userId: 'id', keepTopCategories: 3 });
    const d = entry<DummiesEntry>(e, 'region', 'dummies');
    // v07 is on 24 rows; v00..v24 on 20 or 19 (the first four rows moved to v07): ties broken by value
    assert.deepEqual(
      d.kept.map((k) => k.value),
      ['v07', 'v04', 'v05'],
    );
    assert.deepEqual(
      d.kept.map((k) => k.count),
      [24, 20, 20],
    );
    assert.equal(d.dummyCount, 4);
    assert.ok(d.other);
    assert.equal(d.other.distinctCount, 22);
    assert.equal(d.other.count, n - 64);
    assert.deepEqual(d.keptTop?.keepTopCategories, 3);
    assert.match(d.keptTop?.detail ?? '', /no value is on >= 10\.0% of rows .*keepTopCategories 3 keeps the 3 most frequent values \(12\.8% of rows\), the other 22 go to other/);
    const names = e.featureColumns.filter((f) => f.feature === 'region').map((f) => f.name);
    assert.deepEqual(names, ['region=v07', 'region=v04', 'region=v05', 'region=(other)']);
    // each dummy weighs 1 / dummyCount; a row is on in exactly one of them
    const cols = d.columns;
    for (let i = 0; i < n; i++) {
      const on = cols.filter((j) => e.matrix.data[i * e.matrix.cols + j] !== 0);
      assert.equal(on.length, 1);
      assert.equal(e.matrix.data[i * e.matrix.cols + on[0]], 1 / 4);
    }
  });

  it('N at least the distinct count keeps every value and has no other', () => {
    const small = table([
      ids(60),
      cat(
        'tier',
        Array.from({ length: 60 }, (_, i) => `t${i % 12}`),
      ),
      num('spend', spend(60)),
    ]);
    const d = entry<DummiesEntry>(engineer(small, { userId: 'id', keepTopCategories: 20 }), 'tier', 'dummies');
    assert.equal(d.kept.length, 12);
    assert.equal(d.other, null);
    assert.match(d.keptTop?.detail ?? '', /keeps the 12 most frequent values \(100\.0% of rows\)$/);
  });

  it('does not cap a column that has frequent values, nor rescue a near-unique one', () => {
    const n2 = 200;
    const t2 = table([
      ids(n2),
      cat(
        'country',
        Array.from({ length: n2 }, (_, i) => ['JP', 'US', 'FR', 'DE'][i % 4]),
      ),
      cat(
        'note',
        Array.from({ length: n2 }, (_, i) => (i < 2 ? 'same' : `n${i}`)),
      ),
      num('spend', spend(n2)),
    ]);
    const e = engineer(t2, { userId: 'id', keepTopCategories: 1 });
    assert.equal(entry<DummiesEntry>(e, 'country', 'dummies').kept.length, 4);
    assert.equal(entry<DummiesEntry>(e, 'country', 'dummies').keptTop, undefined);
    assert.equal(entry<DroppedEntry>(e, 'note', 'dropped').reason, 'identifier');
  });

  it('is an integer from 0 to 100', () => {
    for (const bad of [-1, 1.5, 101]) throwsInput(() => engineerFeatures(t, { userId: 'id', keepTopCategories: bad }), 'BAD_OPTION');
  });
});

describe('the code warning', () => {
  const n = 500;
  it('fires on a nationkey-like integer column, not on a spend-like one', () => {
    const e = engineer(
      table([
        ids(n),
        num('nationkey', nation(n), 'bigint'),
        num('total_spend', spend(n)),
        num('visits', nation(n)),
        num(
          'store_code',
          nation(n).map((v) => v + 0.5),
        ),
      ]),
      { userId: 'id' },
    );
    const w = entry<ContinuousEntry>(e, 'nationkey', 'continuous').warning ?? '';
    assert.match(w, /^looks like a code, not a quantity: 25 distinct integer values \(0 to 24\) on 500 rows and a key-like name/);
    assert.match(w, /list it in categorical \(--categorical nationkey\), with keepTopCategories/);
    assert.ok(e.dictionary.warnings.includes(`column "nationkey" ${w}`), e.dictionary.warnings.join('\n'));
    // a quantity's name, or a code-like name with fractions: no warning
    for (const column of ['total_spend', 'visits', 'store_code']) assert.equal(entry<ContinuousEntry>(e, column, 'continuous').warning, undefined, column);
    assert.equal(e.dictionary.warnings.length, 1);
  });

  it('needs few values and several rows per value', () => {
    const s = (distinctCount: number) => ({ distinctCount, min: 0, max: distinctCount - 1, integerValues: true });
    assert.notEqual(codeWarning('store_id', 1000, s(50), 0.1), null);
    assert.equal(codeWarning('store_id', 1000, s(51), 0.1), null);
    assert.equal(codeWarning('store_id', 100, s(25), 0.1), null, 'fewer than 5 rows per value');
    assert.equal(codeWarning('store_id', 1000, { ...s(25), integerValues: false }, 0.1), null);
    assert.doesNotMatch(codeWarning('store_id', 1000, s(5), 0.2) ?? '', /keepTopCategories/, 'every value can reach minCategoryShare');
  });

  it('key-like names', () => {
    for (const yes of [
      'nationkey',
      'nation_key',
      'regionKey',
      'store_id',
      'storeId',
      'zip',
      'zip5',
      'postal_area',
      'product_code',
      'state_cd',
      'order_no',
      'branch_nr',
      'customer_type',
      'category',
      'status',
    ])
      assert.ok(isCodeLikeName(yes), yes);
    for (const no of ['total_spend', 'visits', 'order_count', 'rating', 'amount_paid', 'household_size', 'no_of_orders', 'age', 'keys_lost']) assert.ok(!isCodeLikeName(no), no);
  });
});

describe('the categorical override', () => {
  const n = 500;
  const base = (extra: InputColumn[] = []): ColumnarTable => table([ids(n), num('nationkey', nation(n), 'bigint'), num('total_spend', spend(n)), ...extra]);

  it('makes a numeric column dummies on the text of its integers, in both paths', () => {
    const e = engineer(base(), { userId: 'id', categorical: ['NationKey'], minCategoryShare: 0.04 });
    const d = entry<DummiesEntry>(e, 'nationkey', 'dummies');
    assert.equal(d.sourceKind, 'numeric');
    assert.equal(d.sourceType, 'bigint');
    assert.equal(d.categoricalOverride, true);
    // 7 on 24 rows, every other code on 20 except 0..3 (19): kept at >= 4% (20 rows), in count then text order
    assert.deepEqual(
      d.kept.map((k) => k.value),
      ['7', '10', '11', '12', '13', '14', '15', '16', '17', '18', '19', '20', '21', '22', '23', '24', '4', '5', '6', '8', '9'],
    );
    assert.deepEqual(d.other?.values, ['0', '1', '2', '3']);
    assert.equal(e.dictionary.warnings.length, 0, 'no code warning for an overridden column');
    // the row holding 7 is on the dummy `nationkey=7`
    const j = e.featureColumns.findIndex((f) => f.name === 'nationkey=7');
    assert.equal(e.matrix.data[0 * e.matrix.cols + j], 1 / d.dummyCount);
  });

  it('combines with keepTopCategories; new rows with unseen codes, fractions and nulls go to other', () => {
    const fit = segment(base(), { userId: 'id', categorical: ['nationkey'], keepTopCategories: 2, k: 3, nInit: 2 });
    const d = fit.model.dictionary.columns.find((c) => c.column === 'nationkey') as DummiesEntry;
    assert.deepEqual(
      d.kept.map((k) => k.value),
      ['7', '10'],
    );
    assert.ok(fit.summary.segments.length === 3);
    const fresh = table([ids(5), num('nationkey', [7, 10, 99, 7.5, null]), num('total_spend', [10, 10, 10, 10, 10])]);
    const x = engineerFeatures(base(), { userId: 'id', categorical: ['nationkey'], keepTopCategories: 2 });
    const same = table([ids(5), cat('nationkey', ['7', '10', 'x', 'y', null]), num('total_spend', [10, 10, 10, 10, 10])]);
    assert.throws(() => assign(fit.model, same), /COLUMN_KIND_MISMATCH|trained on it as numeric/);
    const labels = assign(fit.model, fresh);
    assert.equal(labels.length, 5);
    // 99, 7.5 and NULL are all `other`: the same encoded row, the same segment
    assert.equal(labels[2], labels[3]);
    assert.equal(labels[3], labels[4]);
    assert.ok(x.featureColumns.some((f) => f.name === 'nationkey=(other)'));
  });

  it('a two-valued numeric becomes a categorical binary on text values; with nulls, NULL is a third category', () => {
    const flags = (withNulls: boolean) =>
      num(
        'flag_code',
        Array.from({ length: n }, (_, i) => (withNulls && i % 10 === 0 ? null : i % 3 === 0 ? 1 : 0)),
      );
    const b = entry<BinaryEntry>(engineer(base([flags(false)]), { userId: 'id', categorical: ['flag_code'] }), 'flag_code', 'binary');
    assert.equal(b.categoricalOverride, true);
    assert.deepEqual([b.zeroValue, b.oneValue, b.zeroCount, b.oneCount, b.nullsAs], ['0', '1', 333, 167, 'none']);
    const d = entry<DummiesEntry>(engineer(base([flags(true)]), { userId: 'id', categorical: ['flag_code'] }), 'flag_code', 'dummies');
    assert.deepEqual(
      d.kept.map((k) => k.value),
      ['0', '1', null],
    );
  });

  it('refuses a non-integer value (NON_INTEGER_CODE, with the row) and NaN (NON_FINITE_VALUE), in both paths', () => {
    const fractions = base([
      num(
        'ratio',
        Array.from({ length: n }, (_, i) => (i === 17 ? 2.5 : i % 4)),
      ),
    ]);
    const err = throwsInput(() => engineerFeatures(fractions, { userId: 'id', categorical: ['ratio'] }), 'NON_INTEGER_CODE');
    assert.equal(err.row, 17);
    assert.equal(err.value, '2.5');
    const profiles = fractions.columns.map((c) => profileColumn(n, c, 0.1, true, { asText: c.name === 'ratio' }));
    const viaProfiles = throwsInput(
      () => dictionaryFromProfiles({ name: fractions.name, rowCount: n, profiles, userId: { nullCount: 0, distinctCount: n } }, { userId: 'id', categorical: ['ratio'] }),
      'NON_INTEGER_CODE',
    );
    assert.match(viaProfiles.message, /has 1 value that is not an integer/);
    throwsInput(
      () =>
        engineerFeatures(
          base([
            num(
              'big',
              Array.from({ length: n }, (_, i) => (i === 3 ? 2 ** 53 : i % 4)),
            ),
          ]),
          { userId: 'id', categorical: ['big'] },
        ),
      'NON_INTEGER_CODE',
    );
    throwsInput(
      () =>
        engineerFeatures(
          base([
            num(
              'nan_code',
              Array.from({ length: n }, (_, i) => (i === 3 ? NaN : i % 4)),
            ),
          ]),
          { userId: 'id', categorical: ['nan_code'] },
        ),
      'NON_FINITE_VALUE',
    );
    // excluded wins: its values are never read
    const ok = engineer(fractions, { userId: 'id', categorical: ['ratio'], exclude: ['ratio'] });
    assert.equal(entry<DroppedEntry>(ok, 'ratio', 'dropped').reason, 'excluded_by_user');
  });

  it('warns about entries that match no column, name the user id or a categorical column', () => {
    const e = engineer(
      table([
        ids(n),
        cat(
          'country',
          Array.from({ length: n }, (_, i) => ['a', 'b', 'c'][i % 3]),
        ),
        num('total_spend', spend(n)),
      ]),
      {
        userId: 'id',
        categorical: ['country', 'nothing', 'id'],
      },
    );
    assert.deepEqual(e.dictionary.warnings, [
      'categorical lists "country", which is categorical already; nothing to change.',
      'categorical entry "nothing" matched no column of table test.customers.',
      'categorical lists the user id column "id"; ignored.',
    ]);
    assert.equal(entry<DummiesEntry>(e, 'country', 'dummies').categoricalOverride, undefined);
  });
});
