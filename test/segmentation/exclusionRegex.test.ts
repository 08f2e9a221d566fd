/**
 * `re:` entries of `exclude`: JavaScript regular expressions matched against the whole column
 * name, case-insensitively, in both engines' column plans (engineerFeatures for the worker
 * engine, dictionaryFromProfiles for Trino pushdown, whose profile skips excluded columns).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExclusionMatcher, invalidExclusion } from '../../src/segmentation/columnRules';
import { dictionaryFromProfiles, engineerFeatures } from '../../src/segmentation/engineer';
import { parseOptions } from '../../src/segmentation/options';
import { profileColumn } from '../../src/segmentation/profile';
import { SegmentationInputError } from '../../src/segmentation/errors';
import { parseRunConfig, RunConfigError } from '../../src/config/runConfig';
import { cat, ids, num, rep, table } from './tables';

const N = 20;
const vals = (k: number) => rep(0, N).map((_, i) => (i * k) % 7);
const small = table([
  ids(N),
  num('score_a', vals(1)),
  num('score_b', vals(2)),
  num('SCORE_C', vals(3)),
  num('prescore', vals(4)),
  num('score_total2', vals(5)),
  cat(
    'tier',
    rep('', N).map((_, i) => ['gold', 'silver', 'bronze'][i % 3]),
  ),
  num('spend', vals(6)),
]);
const EXCLUDE = ['re:score_[a-z]', 're:nothing_\\d+'];

const droppedBy = (dict: { columns: readonly { column: string; treatment: string; reason?: string; detail?: string }[] }) =>
  dict.columns.filter((c) => c.treatment === 'dropped' && c.reason === 'excluded_by_user').map((c) => [c.column, c.detail]);

describe('re: exclusions', () => {
  it('drop exactly the columns whose whole name matches, case-insensitively, in the worker plan and the pushdown plan alike', () => {
    const options = { userId: 'id', exclude: EXCLUDE };
    const worker = engineerFeatures(small, options);
    assert.deepEqual(droppedBy(worker.dictionary), [
      ['score_a', 'matches "re:score_[a-z]" in exclude'],
      ['score_b', 'matches "re:score_[a-z]" in exclude'],
      ['SCORE_C', 'matches "re:score_[a-z]" in exclude'],
    ]);
    // Anchored at both ends: `prescore` and `score_total2` contain a match but are not one.
    assert.deepEqual(
      worker.featureColumns.map((f) => f.feature),
      ['prescore', 'score_total2', 'tier', 'tier', 'tier', 'spend'],
    );
    assert.ok(
      worker.dictionary.warnings.some((w) => w === 'exclude entry "re:nothing_\\\\d+" matched no column of table test.customers.'),
      worker.dictionary.warnings.join('\n'),
    );

    // Pushdown: the profile of an excluded column carries no stats (Trino is not asked for them).
    const opts = parseOptions(options);
    const excl = new ExclusionMatcher(opts.exclude);
    const profiles = small.columns.map((c) => profileColumn(small.rowCount, c, opts.minCategoryShare, excl.match(c.name) === null));
    assert.deepEqual(
      profiles.filter((p) => p.stats === null).map((p) => p.name),
      ['score_a', 'score_b', 'SCORE_C'],
    );
    const plan = dictionaryFromProfiles({ name: small.name, rowCount: small.rowCount, profiles, userId: { nullCount: 0, distinctCount: N } }, options);
    assert.deepEqual(plan.dictionary, worker.dictionary);
    assert.deepEqual(plan.featureColumns, worker.featureColumns);
    assert.deepEqual(plan.weights, worker.weights);
  });

  it('mix with names and globs; `.*` matches inside a name', () => {
    const e = engineerFeatures(small, { userId: 'id', exclude: ['re:.*score.*', 'tier'] });
    assert.deepEqual(
      droppedBy(e.dictionary).map(([c]) => c),
      ['score_a', 'score_b', 'SCORE_C', 'prescore', 'score_total2', 'tier'],
    );
    assert.deepEqual(
      e.featureColumns.map((f) => f.name),
      ['spend'],
    );
  });

  it('an invalid or empty regular expression is a config error naming the entry', () => {
    assert.match(invalidExclusion('re:score_(') ?? '', /exclude entry "re:score_\(" is not a valid JavaScript regular expression: .*/);
    assert.match(invalidExclusion('re:') ?? '', /exclude entry "re:" has an empty regular expression/);
    assert.equal(invalidExclusion('score_('), null, 'without re: it is a name, not a regex');
    // Balanced on its own, so anchoring cannot change it: `a)|(b` is rejected, not wrapped into a valid `^(?:a)|(b)$`.
    assert.ok(invalidExclusion('re:a)|(b') !== null);

    const config = { source: { kind: 'table', table: 'c.s.t' }, output: { kind: 'dir', dir: '/tmp/x' }, userId: 'id', exclude: ['email', 're:[unclosed'] };
    assert.throws(
      () => parseRunConfig(config),
      (e: unknown) => e instanceof RunConfigError && e.issues.length === 1 && /^exclude\.1: exclude entry "re:\[unclosed" is not a valid JavaScript regular expression/.test(e.issues[0]),
    );
    assert.throws(
      () => engineerFeatures(small, { userId: 'id', exclude: ['re:*'] }),
      (e: unknown) => e instanceof SegmentationInputError && e.code === 'BAD_OPTION' && /exclude\.0.*"re:\*"/.test(e.message),
    );
  });
});
