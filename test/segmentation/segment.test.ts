import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assign, buildModel, encodeWithModel, validateModel, type SegmentationModel } from '../../src/segmentation/artifact';
import type { DummiesEntry } from '../../src/segmentation/dictionary';
import { segment } from '../../src/segmentation/index';
import { canonicalOrder } from '../../src/segmentation/relabel';
import { matrix } from '../../src/segmentation/matrix';
import type { ColumnarTable } from '../../src/segmentation/table';
import { cat, customers, ids, num, table, throwsInput } from './tables';

const OPTS = { userId: 'td_canonical_id', kRange: { min: 2, max: 6 }, nInit: 3, sampleSize: 400 } as const;
const t = customers(600, 11);
const r = segment(t, OPTS);

/** A model through a JSON round trip, as it would be stored and loaded. */
const stored = (m: SegmentationModel): SegmentationModel => JSON.parse(JSON.stringify(m)) as SegmentationModel;

describe('segment()', () => {
  it('engineers, scores every k of the range, chooses k, fits, explains', () => {
    assert.deepEqual(
      r.scores.map((s) => s.k),
      [2, 3, 4, 5, 6],
    );
    assert.equal(r.k, r.selection.chosenK);
    assert.ok(r.k >= 2 && r.k <= 6);
    assert.equal(r.labels.length, 600);
    assert.equal(r.userIds[0], 'u0');
    assert.equal(r.summary.segments.length, r.k);
    assert.equal(r.model.k, r.k);
    assert.deepEqual(
      r.dictionary.columns.map((c) => c.treatment),
      ['user_id', 'dropped', 'continuous', 'continuous', 'dummies', 'binary', 'dropped'],
    );
  });

  it('numbers segments by size, largest first', () => {
    const sizes = r.summary.segments.map((s) => s.size);
    assert.deepEqual(
      [...sizes].sort((a, b) => b - a),
      sizes,
    );
    const counted = new Array<number>(r.k).fill(0);
    for (const l of r.labels) counted[l]++;
    assert.deepEqual(counted, sizes);
  });

  it('gives unique segment labels, stored in the model', () => {
    const labels = r.summary.segments.map((s) => s.label);
    assert.equal(new Set(labels).size, labels.length);
    assert.deepEqual(r.model.segmentLabels, labels);
  });

  it('an explicit k overrides the choice', () => {
    const r4 = segment(t, { ...OPTS, k: 4 });
    assert.equal(r4.k, 4);
    assert.equal(r4.selection.selection, 'explicit');
    assert.equal(r4.model.centroids.length, 4);
  });

  it('same input and seed: byte-identical model, summary and labels', () => {
    const again = segment(customers(600, 11), OPTS);
    assert.equal(JSON.stringify(again.model), JSON.stringify(r.model));
    assert.equal(JSON.stringify(again.summary), JSON.stringify(r.summary));
    assert.equal(JSON.stringify(again.scores), JSON.stringify(r.scores));
    assert.deepEqual(again.labels, r.labels);
    assert.equal(Buffer.compare(Buffer.from(again.labels.buffer), Buffer.from(r.labels.buffer)), 0);
  });

  it('the seed is recorded in the model and drives the result', () => {
    assert.equal(r.model.seed, 0);
    const other = segment(t, { ...OPTS, seed: 12345, k: 5 });
    assert.equal(other.model.seed, 12345);
    assert.equal(other.model.options.seed, 12345);
  });

  it('priority weights reach the final model', () => {
    const p = segment(t, { ...OPTS, k: 3, priority: { high: ['country'] } });
    const country = p.dictionary.columns.find((c) => c.column === 'country') as DummiesEntry;
    for (const j of country.columns) assert.equal(p.model.weights[j], 3 / country.dummyCount);
  });
});

describe('model artifact and assign()', () => {
  it('is plain JSON with version, seed, options, dictionary, scaler, weights, feature columns, centroids', () => {
    const m = r.model;
    assert.deepEqual(stored(m), m);
    assert.equal(m.format, 'autoseg.segmentation-model');
    assert.equal(m.version, 1);
    assert.equal(m.scaler.kind, 'minmax');
    assert.equal(m.weights.length, m.featureColumns.length);
    assert.equal(m.scaler.min.length, m.featureColumns.length);
    assert.ok(m.centroids.every((c) => c.length === m.featureColumns.length));
    assert.equal(m.options.userId, 'td_canonical_id');
  });

  it('reproduces the fitted labels exactly on the training rows, after a JSON round trip', () => {
    assert.deepEqual(assign(stored(r.model), t), r.labels);
    const x = encodeWithModel(stored(r.model), t);
    assert.deepEqual(x.data, r.engineered.matrix.data, 'the encoding is bit-identical');
  });

  it('scores new customers: unseen categories go to other, numeric nulls to the training median, extra columns ignored', () => {
    const m = stored(r.model);
    const spend = m.dictionary.columns.find((c) => c.column === 'total_spend');
    assert.ok(spend && spend.treatment === 'continuous');
    const fresh = table([
      ids(3, 'td_canonical_id'),
      num('total_spend', [null, 50, 1e6]),
      num('visits', [3, 3, 3]),
      cat('country', ['JP', 'Atlantis', null]),
      cat('is_member', ['true', 'false', 'maybe']),
      num('brand_new', [1, 2, 3]),
    ]);
    const labels = assign(m, fresh);
    assert.equal(labels.length, 3);
    assert.ok(labels.every((l) => l >= 0 && l < m.k));
    const x = encodeWithModel(m, fresh);
    const d = x.cols;
    const j = spend.columns[0];
    assert.equal(x.data[j], ((spend.median - spend.min) / (spend.max - spend.min)) * m.weights[j]);
    assert.ok(x.data[2 * d + j] > 1, 'values beyond the training range are not clipped');
    const country = m.dictionary.columns.find((c) => c.column === 'country') as DummiesEntry;
    const otherCol = country.columns[country.columns.length - 1];
    assert.equal(m.featureColumns[otherCol].kind, 'other');
    assert.equal(x.data[1 * d + otherCol], m.weights[otherCol], 'unseen value -> other');
    assert.equal(
      country.columns.reduce((s, c) => s + x.data[1 * d + c], 0),
      m.weights[otherCol],
    );
  });

  it('gives all-zero dummies to an unseen value of a feature without other', () => {
    const small = table([ids(9), num('spend', [1, 2, 3, 10, 11, 12, 20, 21, 22]), cat('tier', ['a', 'a', 'a', 'b', 'b', 'b', 'c', 'c', 'c'])]);
    const res = segment(small, { userId: 'id', k: 3, kRange: { min: 2, max: 3 } });
    const x = encodeWithModel(res.model, table([ids(1), num('spend', [5]), cat('tier', ['z'])]));
    const tier = res.dictionary.columns.find((c) => c.column === 'tier') as DummiesEntry;
    assert.equal(tier.other, null);
    assert.deepEqual(
      tier.columns.map((c) => x.data[c]),
      [0, 0, 0],
    );
  });

  it('rejects tables it cannot score, with typed errors', () => {
    const m = stored(r.model);
    const noCountry: ColumnarTable = { ...t, columns: t.columns.filter((c) => c.name !== 'country') };
    throwsInput(() => assign(m, noCountry), 'MISSING_COLUMN', '"country"');
    const wrongKind: ColumnarTable = {
      ...t,
      columns: t.columns.map((c) =>
        c.name === 'visits'
          ? cat(
              'visits',
              Array.from({ length: t.rowCount }, () => '1'),
            )
          : c,
      ),
    };
    throwsInput(() => assign(m, wrongKind), 'COLUMN_KIND_MISMATCH', '"visits"', 'numeric');
    const nan: ColumnarTable = {
      ...t,
      columns: t.columns.map((c) =>
        c.name === 'visits'
          ? num(
              'visits',
              Array.from({ length: t.rowCount }, (_, i) => (i === 9 ? NaN : 1)),
            )
          : c,
      ),
    };
    throwsInput(() => assign(m, nan), 'NON_FINITE_VALUE', '"visits"', 'row 9');
    throwsInput(() => assign({ ...m, version: 99 } as unknown as SegmentationModel, t), 'BAD_ARTIFACT', 'version 99');
    throwsInput(() => validateModel({ ...m, centroids: m.centroids.slice(1) }), 'BAD_ARTIFACT', 'centroids');
  });

  it('buildModel checks the centroid shape', () => {
    assert.throws(() => buildModel(r.engineered, new Float64Array(3), 2), /centroids/);
  });
});

describe('canonicalOrder', () => {
  it('orders clusters by size descending, ties by centroid, and relabels by nearest centroid', () => {
    // rows: 1 near 10, 3 near 0, 3 near 5 (the two tied clusters ordered by centroid: 0 before 5)
    const m = matrix(7, 1, Float64Array.from([10, 0, 0.1, 5, 5.1, 0.2, 5.2]));
    const centroids = Float64Array.from([10, 5.1, 0.1]);
    const labels = Int32Array.from([0, 2, 2, 1, 1, 2, 1]);
    const c = canonicalOrder(m, centroids, labels, 3);
    assert.deepEqual(Array.from(c.centroids), [0.1, 5.1, 10]);
    assert.deepEqual(Array.from(c.labels), [2, 0, 0, 1, 1, 0, 1]);
    assert.deepEqual(c.order, [2, 1, 0]);
  });
});
