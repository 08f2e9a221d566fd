/**
 * Full-table Lloyd refinement inside Trino (src/warehouse/trino-lloyd.ts) against the real Trino
 * that `npm test` starts, on tpch.sf1.customer (150,000 rows) with a model trained as pushdown
 * mode trains it: on a 10,000-row sample (as in modelSelect.test.ts: k = 6, mktsegment high,
 * acctbal low), so the full table also holds values outside the training range. The reference
 * is the engine itself: src/segmentation/lloyd.ts run in JavaScript on the full matrix.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { queryRows, trinoUrl } from '../helpers/trino';
import { encodeWithModel, nearestCentroids, segment, type Matrix, type SegmentationModel } from '../../src/segmentation';
import { absoluteTolerance, kmeans } from '../../src/segmentation/kmeans';
import { runLloydSync } from '../../src/segmentation/lloyd';
import { TrinoWarehouse, type Source } from '../../src/warehouse';
import { WarehouseInputError } from '../../src/warehouse/errors';
import { decimalToScaled, modelWithCentroids, ratioToDouble } from '../../src/warehouse/sql-model/lloydSelect';
import { Rng } from '../../src/segmentation/rng';
import { modelSelect } from '../../src/warehouse/sql-model/modelSelect';
import { refineInTrino, type RefineProgress, type RefineResult } from '../../src/warehouse/trino-lloyd';

const K = 6;
const TOL = 1e-4;
const SF1: Source = { kind: 'table', table: 'tpch.sf1.customer' };
const FIT_OPTIONS = { userId: 'custkey', k: K, nInit: 2, sampleSize: 2000, priority: { high: ['mktsegment'], low: ['acctbal'] } };
const wh = (): TrinoWarehouse => new TrinoWarehouse({ server: trinoUrl(), user: 'autoseg-test' });

interface Setup {
  readonly model: SegmentationModel;
  /** The full table encoded by the sample model: the engine's matrix for a full-table Lloyd. */
  readonly m: Matrix;
  readonly custkeys: string[];
}

let setup: Promise<Setup> | undefined;
/** The sample model and the full matrix, built once for the file. */
function prepared(): Promise<Setup> {
  setup ??= (async () => {
    const w = wh();
    const sample = await w.scan({ kind: 'sql', sql: 'SELECT * FROM tpch.sf1.customer WHERE custkey % 15 = 7' }, { userId: 'custkey' });
    assert.equal(sample.rowCount, 10_000);
    const model = JSON.parse(JSON.stringify(segment(sample, FIT_OPTIONS).model)) as SegmentationModel;
    const full = await w.scan(SF1, { userId: 'custkey' });
    assert.equal(full.rowCount, 150_000);
    const ids = full.columns.find((c) => c.name === 'custkey');
    assert.ok(ids && ids.kind === 'categorical');
    return { model, m: encodeWithModel(model, full), custkeys: ids.values as string[] };
  })();
  return setup;
}

const flat = (model: SegmentationModel): Float64Array => Float64Array.from(model.centroids.flat());
const sizesOf = (labels: Int32Array, k: number): number[] => {
  const s = new Array<number>(k).fill(0);
  for (const l of labels) s[l]++;
  return s;
};
/** Largest |a - b| / max(|a|, |b|) over the coordinates (0 where both are 0). */
function maxRelativeDifference(a: Float64Array, b: Float64Array): number {
  assert.equal(a.length, b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) {
    const scale = Math.max(Math.abs(a[i]), Math.abs(b[i]));
    if (scale > 0) worst = Math.max(worst, Math.abs(a[i] - b[i]) / scale);
  }
  return worst;
}
const perIteration = (r: RefineResult): string => `${r.iterations} iterations, ${r.queryMs.join(' / ')} ms per query`;

test("from the worker's converged full-table k-means: converges at once, and the SELECT with the refined centroids gives every customer the worker's segment", { timeout: 300_000 }, async () => {
  const { model, m, custkeys } = await prepared();
  // tol 0: the worker stops only when no label changes, so its centroids are a fixed point
  const worker = kmeans(m, { k: K, seed: 0, nInit: 2, tol: 0 });
  const r = await refineInTrino(wh(), SF1, model, worker.centroids, { tol: TOL });
  console.log(`[trinoLloyd] from the worker's centroids: ${perIteration(r)}; inertia ${r.inertia} (worker ${worker.inertia})`);
  assert.equal(r.iterations, 1);
  assert.equal(r.converged, true);
  // the means of the same rows: exact here, double sums of up to 1e5 rows in the worker
  assert.ok(maxRelativeDifference(r.centroids, worker.centroids) < 1e-10, 'the means of the same rows');
  assert.deepEqual(r.sizes, sizesOf(worker.labels, K));
  assert.ok(Math.abs(r.inertia - worker.inertia) <= 1e-10 * worker.inertia, `${r.inertia} vs ${worker.inertia}`);

  const sql = modelSelect(modelWithCentroids(model, r.centroids, K), { table: 'tpch.sf1.customer' }, { labels: false });
  const rows = await queryRows(`SELECT CAST(custkey AS varchar), segment FROM (\n${sql}\n) AS refined`);
  const bySql = new Map(rows.map(([id, s]) => [String(id), Number(s)]));
  assert.equal(bySql.size, custkeys.length);
  const mismatches = custkeys.filter((id, i) => bySql.get(id) !== worker.labels[i]);
  assert.deepEqual(mismatches.slice(0, 5), []);
});

let fromSample: RefineResult | undefined;

test("from the 10,000-row sample model: the engine's Lloyd on the full matrix, same iterations, centroids within 1e-9, lower inertia", { timeout: 300_000 }, async () => {
  const { model, m } = await prepared();
  const init = flat(model);
  const sampleInertia = nearestCentroids(m, init, K).inertia;
  const tolAbs = absoluteTolerance(m, TOL);
  const engine = runLloydSync(m, init, K, 300, tolAbs);
  const steps: RefineProgress[] = [];
  const r = await refineInTrino(wh(), SF1, model, init, { tol: TOL, onIteration: (p) => void steps.push(p) });
  fromSample = r;
  console.log(
    `[trinoLloyd] from the sample model: ${perIteration(r)}; inertia ${sampleInertia} -> ${r.inertia} (engine ${engine.inertia}, ${engine.iterations} iterations); tolAbs ${r.tolAbs} (engine ${tolAbs})`,
  );
  assert.ok(Math.abs(r.tolAbs - tolAbs) <= 1e-9 * tolAbs, 'tolAbs: the same variance, computed exactly');
  assert.ok(engine.iterations > 1, 'the sample model is not already converged on the full table');
  assert.equal(r.iterations, engine.iterations);
  assert.equal(r.converged, true);
  const rel = maxRelativeDifference(r.centroids, engine.centroids);
  assert.ok(rel < 1e-9, `centroids differ by ${rel} relative`);
  assert.deepEqual(r.sizes, sizesOf(engine.labels, K));
  assert.ok(r.inertia < sampleInertia, `${r.inertia} < ${sampleInertia}`);
  assert.ok(Math.abs(r.inertia - engine.inertia) <= 1e-9 * engine.inertia);
  // the heartbeat callback: one call per iteration, first inertia the sample model's, never rising
  assert.deepEqual(
    steps.map((s) => s.iteration),
    Array.from({ length: r.iterations }, (_, i) => i + 1),
  );
  assert.ok(Math.abs(steps[0].inertia - sampleInertia) <= 1e-12 * sampleInertia);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i].inertia <= steps[i - 1].inertia);
  assert.ok(steps[steps.length - 1].shift <= r.tolAbs && steps.slice(0, -1).every((s) => s.shift > r.tolAbs));
});

test('two runs, one through a differently ordered plan, give bit-identical centroids, sizes and inertia', { timeout: 300_000 }, async () => {
  const { model } = await prepared();
  assert.ok(fromSample, 'needs the run of the previous test');
  // a single sorted stream instead of the table's parallel splits: every sum is added in another order
  const reordered: Source = { kind: 'sql', sql: 'SELECT * FROM tpch.sf1.customer ORDER BY acctbal DESC, custkey LIMIT 1000000' };
  const again = await refineInTrino(wh(), reordered, model, flat(model), { tol: TOL });
  console.log(`[trinoLloyd] second run (sorted source): ${perIteration(again)}`);
  assert.ok(Buffer.from(again.centroids.buffer).equals(Buffer.from(fromSample.centroids.buffer)), 'bit-identical centroids');
  assert.deepEqual(again.sizes, fromSample.sizes);
  assert.ok(Object.is(again.inertia, fromSample.inertia));
  assert.ok(Object.is(again.tolAbs, fromSample.tolAbs));
  assert.equal(again.iterations, fromSample.iterations);
});

test('empty clusters are relocated as the engine does (farthest rows), iteration by iteration', { timeout: 300_000 }, async () => {
  const tiny: Source = { kind: 'table', table: 'tpch.tiny.customer' };
  const table = await wh().scan(tiny, { userId: 'custkey' });
  const model = segment(table, { ...FIT_OPTIONS, sampleSize: 1000 }).model;
  const m = encodeWithModel(model, table);
  const d = m.cols;
  const init = flat(model);
  init.set(init.subarray(0, d), 4 * d); // a copy of centroid 0: empty by the tie rule
  init.fill(40, 5 * d, 6 * d); // far from every row: empty
  const tolAbs = absoluteTolerance(m, TOL);
  for (const maxIter of [1, 300]) {
    const engine = runLloydSync(m, init, K, maxIter, tolAbs);
    const relocated: number[] = [];
    const r: RefineResult = await refineInTrino(wh(), tiny, model, init, { k: K, maxIter, tolAbs, onIteration: (p: RefineProgress) => void relocated.push(p.relocated) });
    assert.equal(relocated[0], 2, 'both empty clusters relocated in the first iteration');
    assert.equal(r.iterations, engine.iterations);
    assert.equal(r.converged, maxIter > 1);
    assert.ok(maxRelativeDifference(r.centroids, engine.centroids) < 1e-9, `maxIter ${maxIter}`);
    assert.deepEqual(r.sizes, sizesOf(engine.labels, K));
  }
});

test("refused: NaN in a feature (as the engine refuses it), a value beyond the exact sums' range; cancelled: the running query", { timeout: 300_000 }, async () => {
  const { model } = await prepared();
  const init = flat(model);
  const tinyWith = (acctbal: string): Source => ({
    kind: 'sql',
    sql: `SELECT custkey, nationkey, CASE WHEN custkey = 7 THEN ${acctbal} ELSE acctbal END AS acctbal, mktsegment FROM tpch.tiny.customer`,
  });
  await assert.rejects(refineInTrino(wh(), tinyWith('nan()'), model, init), (e: Error & { code?: string }) => e.code === 'NON_FINITE_VALUE' && /1 row/.test(e.message));
  await assert.rejects(
    refineInTrino(wh(), tinyWith('1e15'), model, init),
    (e: unknown) => e instanceof WarehouseInputError && e.code === 'INVALID_VALUE' && /matrix column 1 \("acctbal"\)/.test(e.message),
  );

  // cancelled while a step query runs on the server: the promise rejects with the reason, and the query is cancelled there
  const tag = `abort_${process.pid}_${Date.now()}`;
  const ours = `query LIKE '%full-table Lloyd step%' AND query LIKE '%${tag}%' AND query NOT LIKE '%system.runtime%'`;
  const controller = new AbortController();
  const running = refineInTrino(wh(), { kind: 'sql', sql: `SELECT * FROM tpch.sf1.customer WHERE '${tag}' <> ''` }, model, init, { signal: controller.signal });
  const outcome = running.then(
    () => new Error('finished'),
    (e: Error) => e,
  );
  let queryId: unknown;
  for (let i = 0; i < 400 && queryId === undefined; i++) {
    queryId = (await queryRows(`SELECT query_id FROM system.runtime.queries WHERE state NOT IN ('FINISHING', 'FINISHED', 'FAILED') AND ${ours}`))[0]?.[0];
    if (queryId === undefined) await new Promise((res) => setTimeout(res, 25));
  }
  assert.ok(queryId !== undefined, 'saw the step query running');
  controller.abort(new Error('stop: test'));
  const t0 = Date.now();
  assert.match((await outcome).message, /^stop: test$/);
  const rejectMs = Date.now() - t0;
  let state: unknown[] = [];
  for (let i = 0; i < 40 && state[0] !== 'FAILED'; i++) {
    state = (await queryRows(`SELECT state, error_code FROM system.runtime.queries WHERE query_id = '${String(queryId)}'`))[0] ?? [];
    if (state[0] !== 'FAILED') await new Promise((res) => setTimeout(res, 250));
  }
  console.log(`[trinoLloyd] aborted: rejected after ${rejectMs} ms; the query ${String(queryId)} ${state.join(' ')}`);
  assert.ok(rejectMs < 1000);
  assert.deepEqual(state, ['FAILED', 'USER_CANCELED']);
});

/** A finite double as an exact fraction. */
function exact(x: number): [bigint, bigint] {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, x);
  const bits = view.getBigUint64(0);
  const e = Number((bits >> 52n) & 0x7ffn);
  const mantissa = (bits & ((1n << 52n) - 1n)) | (e === 0 ? 0n : 1n << 52n);
  const signed = bits >> 63n ? -mantissa : mantissa;
  const p = (e === 0 ? 1 : e) - 1075;
  return p >= 0 ? [signed << BigInt(p), 1n] : [signed, 1n << BigInt(-p)];
}

/** The doubles just below and above a non-zero finite x. */
function neighbours(x: number): number[] {
  const view = new DataView(new ArrayBuffer(8));
  return [-1n, 1n].map((step) => {
    view.setFloat64(0, x);
    view.setBigInt64(0, view.getBigInt64(0) + step);
    return view.getFloat64(0);
  });
}

test("means: ratioToDouble is the correctly rounded quotient, decimalToScaled reads Trino's decimal text exactly", () => {
  const rng = new Rng(11);
  const distance = (x: number, num: bigint, den: bigint): [bigint, bigint] => {
    const [a, b] = exact(x);
    const n = a * den - num * b;
    return [n < 0n ? -n : n, b * den];
  };
  for (let i = 0; i < 20_000; i++) {
    const den = BigInt(1 + Math.floor(rng.nextFloat() * 2 ** 40)) * 10n ** BigInt(i % 19);
    let num = BigInt(Math.floor((rng.nextFloat() - 0.5) * 2 ** 53)) * 10n ** BigInt(i % 23);
    // every third: (odd 54-bit integer) / 2, exactly halfway between two doubles, then a hair off
    if (i % 3 === 0) num = ((2n * BigInt(2 ** 52 + Math.floor(rng.nextFloat() * 2 ** 52)) + 1n) * den + BigInt((i % 9) / 3 - 1)) / 2n;
    const x = ratioToDouble(num, den);
    const [dn, dd] = distance(x, num, den);
    for (const y of neighbours(x)) {
      const [yn, yd] = distance(y, num, den);
      assert.ok(dn * yd <= yn * dd, `${num}/${den} -> ${x}, but ${y} is nearer`);
    }
  }
  assert.equal(ratioToDouble(1n, 3n), 1 / 3);
  assert.equal(ratioToDouble(-7n, 2n), -3.5);
  assert.equal(decimalToScaled('-12.340', 18), -12340000000000000000n);
  assert.equal(decimalToScaled('5', 2), 500n);
  assert.equal(decimalToScaled(null, 18), 0n);
});
