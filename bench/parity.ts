/**
 * npm run bench:parity — autoseg against scikit-learn / kneed on the same matrices.
 *
 * Per data set and k in 2..10:
 *  - inertia of kmeans (default restarts, DEFAULT_N_INIT) vs scikit-learn KMeans(n_init=10):
 *    bound autoseg <= sklearn * 1.005;
 *  - silhouette of autoseg's labels on a seeded sample, by autoseg and by scikit-learn: |diff| <= 1e-9;
 *  - Calinski-Harabasz of the same labels: relative diff <= 1e-9;
 *  - the elbow (src/segmentation/kneedle.ts) vs kneed's KneeLocator on the same inertia curves
 *    (autoseg's curve and scikit-learn's curve, two curves per data set): equal.
 * Data sets: synthetic Gaussian blobs (seeds, dimensions, k, spreads vary), min-max scaled like the
 * pipeline's matrices; the shipped example and TPC-H sf1 customers through a real Trino, engineered
 * as the pipeline does (parityData.ts); plus every matrix in AUTOSEG_PARITY_DIR (default
 * bench/data) in the format of bench/matrixFile.ts. Exits 1 when a bound is missed.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { kmeans } from '../src/segmentation/kmeans';
import { DEFAULT_N_INIT } from '../src/segmentation/kmeansParams';
import { kneedle } from '../src/segmentation/kneedle';
import { matrix, takeRows, type Matrix } from '../src/segmentation/matrix';
import { calinskiHarabasz, silhouetteScore } from '../src/segmentation/metrics';
import { Rng, sampleIndices } from '../src/segmentation/rng';
import { readMatrixFile, writeLabelsFile, writeMatrixFile } from './matrixFile';
import { realDataSets } from './parityData';
import { runReference } from './reference/run';

const KS = [2, 3, 4, 5, 6, 7, 8, 9, 10];
const SEED = 20240611;
const SILHOUETTE_SAMPLE = 2000;
const INERTIA_BOUND = 1.005;
const SILHOUETTE_BOUND = 1e-9;
const CH_BOUND = 1e-9;

function gaussian(rng: Rng): number {
  const u = 1 - rng.nextFloat();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng.nextFloat());
}

/** Gaussian blobs with unequal sizes and spreads, min-max scaled to [0, 1] per column. */
function blobs(n: number, d: number, k: number, spread: number, seed: number): Matrix {
  const rng = new Rng(seed);
  const centres = Float64Array.from({ length: k * d }, () => rng.nextFloat() * 10);
  const weights = Array.from({ length: k }, () => 0.5 + rng.nextFloat());
  const total = weights.reduce((a, b) => a + b, 0);
  const scale = Array.from({ length: k }, () => spread * (0.5 + rng.nextFloat()));
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    let r = rng.nextFloat() * total;
    let c = 0;
    while (c < k - 1 && r >= weights[c]) r -= weights[c++];
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c * d + j] + gaussian(rng) * scale[c];
  }
  for (let j = 0; j < d; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < n; i++) {
      lo = Math.min(lo, data[i * d + j]);
      hi = Math.max(hi, data[i * d + j]);
    }
    for (let i = 0; i < n; i++) data[i * d + j] = hi > lo ? (data[i * d + j] - lo) / (hi - lo) : 0;
  }
  return matrix(n, d, data);
}

interface DataSet {
  name: string;
  m: Matrix;
}

async function dataSets(work: string): Promise<DataSet[]> {
  const out: DataSet[] = [];
  const shapes: Array<[number, number, number, number]> = [
    // n, d, true k, spread
    [3000, 2, 3, 0.6],
    [4000, 5, 4, 1.0],
    [5000, 10, 5, 1.5],
    [6000, 20, 6, 2.0],
    [3000, 8, 8, 0.8],
    [5000, 3, 4, 2.5],
    [4000, 15, 3, 3.0],
    [6000, 12, 7, 1.2],
    [2500, 6, 5, 4.0],
    [8000, 20, 4, 1.0],
  ];
  shapes.forEach(([n, d, k, spread], i) => out.push({ name: `blobs n=${n} d=${d} k=${k} s=${spread}`, m: blobs(n, d, k, spread, 1000 + i) }));
  for (const r of await realDataSets(work)) out.push({ name: r.name, m: r.m });
  const dir = process.env.AUTOSEG_PARITY_DIR ?? join(__dirname, 'data');
  if (existsSync(dir)) {
    for (const f of readdirSync(dir)
      .filter((x) => x.endsWith('.json'))
      .sort()) {
      const base = join(dir, f.slice(0, -'.json'.length));
      const { m, header } = readMatrixFile(base);
      out.push({ name: header.name ?? f, m });
    }
  }
  return out;
}

interface RefOut {
  versions: Record<string, string>;
  datasets: Array<{ name: string; inertia: Record<string, number>; silhouette: Record<string, number>; calinskiHarabasz: Record<string, number>; kneed: Record<string, number | null> }>;
}

async function main(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'autoseg-parity-'));
  const failures: string[] = [];
  try {
    const sets = await dataSets(work);
    const ours = sets.map((ds, di) => {
      const base = join(work, `ds${di}`);
      writeMatrixFile(base, ds.m, { name: ds.name });
      const sample = sampleIndices(ds.m.rows, Math.min(ds.m.rows, SILHOUETTE_SAMPLE), SEED + di);
      writeLabelsFile(`${base}-sample`, sample);
      const sm = takeRows(ds.m, sample);
      const perK = KS.filter((k) => k < ds.m.rows).map((k) => {
        const fit = kmeans(ds.m, { k, seed: SEED });
        const labels = Int32Array.from(sample, (i) => fit.labels[i]);
        writeLabelsFile(`${base}-labels-${k}`, labels);
        return { k, inertia: fit.inertia, silhouette: silhouetteScore(sm, labels, k), ch: calinskiHarabasz(sm, labels, k) };
      });
      console.error(`autoseg: ${ds.name} (${ds.m.rows} x ${ds.m.cols}) done`);
      return { base, perK };
    });
    const job = {
      threads: 2,
      datasets: sets.map((ds, di) => ({
        name: ds.name,
        matrix: ours[di].base,
        seed: 0,
        ks: ours[di].perK.map((p) => p.k),
        labelled: ours[di].perK.map((p) => ({ k: p.k, sample: `${ours[di].base}-sample`, labels: `${ours[di].base}-labels-${p.k}` })),
        curves: { autoseg: { x: ours[di].perK.map((p) => p.k), y: ours[di].perK.map((p) => p.inertia) } } as Record<string, { x: number[]; y: number[] }>,
      })),
    };
    // scikit-learn's own curve is only known after its run: a second, cheap pass asks kneed about it.
    const ref = runReference<RefOut>('parity', job, work);
    const skCurves = ref.datasets.map((r, di) => ({
      ...job.datasets[di],
      ks: [],
      labelled: [],
      curves: { sklearn: { x: job.datasets[di].ks, y: job.datasets[di].ks.map((k) => r.inertia[String(k)]) } },
    }));
    const ref2 = runReference<RefOut>('parity', { threads: 1, datasets: skCurves }, work);

    console.log(`scikit-learn ${ref.versions.sklearn} KMeans(n_init=10), kneed ${ref.versions.kneed}, numpy ${ref.versions.numpy}; autoseg kmeans nInit ${DEFAULT_N_INIT}\n`);
    console.log('| data set | k | inertia autoseg | inertia sklearn | ratio | silhouette autoseg | |diff| | CH rel diff |');
    console.log('|---|---:|---:|---:|---:|---:|---:|---:|');
    let worstRatio = 0;
    let worstSil = 0;
    let worstCh = 0;
    const elbows: string[] = [];
    const summary: string[] = [];
    sets.forEach((ds, di) => {
      const r = ref.datasets[di];
      let dsRatio = 0;
      let dsSil = 0;
      let dsElbows = 0;
      for (const p of ours[di].perK) {
        const sk = r.inertia[String(p.k)];
        const ratio = p.inertia / sk;
        const silDiff = Math.abs(p.silhouette - r.silhouette[String(p.k)]);
        const chDiff = Math.abs(p.ch - r.calinskiHarabasz[String(p.k)]) / Math.abs(r.calinskiHarabasz[String(p.k)]);
        worstRatio = Math.max(worstRatio, ratio);
        dsRatio = Math.max(dsRatio, ratio);
        dsSil = Math.max(dsSil, silDiff);
        worstSil = Math.max(worstSil, silDiff);
        worstCh = Math.max(worstCh, chDiff);
        if (!(ratio <= INERTIA_BOUND)) failures.push(`${ds.name} k=${p.k}: inertia ${p.inertia} > sklearn ${sk} * ${INERTIA_BOUND}`);
        if (!(silDiff <= SILHOUETTE_BOUND)) failures.push(`${ds.name} k=${p.k}: silhouette differs by ${silDiff}`);
        if (!(chDiff <= CH_BOUND)) failures.push(`${ds.name} k=${p.k}: Calinski-Harabasz differs by ${chDiff} (relative)`);
        console.log(
          `| ${ds.name} | ${p.k} | ${p.inertia.toPrecision(8)} | ${sk.toPrecision(8)} | ${ratio.toFixed(5)} | ${p.silhouette.toFixed(6)} | ${silDiff.toExponential(1)} | ${chDiff.toExponential(1)} |`,
        );
      }
      const curves: Array<[string, number[], number | null]> = [
        ['autoseg', job.datasets[di].curves.autoseg.y, r.kneed.autoseg],
        ['sklearn', skCurves[di].curves.sklearn.y, ref2.datasets[di].kneed.sklearn],
      ];
      for (const [which, y, kneedK] of curves) {
        const mine = kneedle(job.datasets[di].ks, y).elbowK;
        const ok = mine === kneedK;
        if (ok) dsElbows++;
        if (!ok) failures.push(`${ds.name}, ${which} curve: elbow ${mine} vs kneed ${kneedK}`);
        elbows.push(`| ${ds.name} | ${which} | ${mine ?? 'none'} | ${kneedK ?? 'none'} | ${ok ? 'ok' : 'MISMATCH'} |`);
      }
      summary.push(`| ${ds.name} | ${ds.m.rows.toLocaleString('en-US')} x ${ds.m.cols} | ${dsRatio.toFixed(5)} | ${dsSil.toExponential(1)} | ${dsElbows} / ${curves.length} |`);
    });
    console.log('\n| data set | inertia curve | autoseg elbow | kneed elbow | |\n|---|---|---:|---:|---|');
    console.log(elbows.join('\n'));
    console.log('\n| data set | rows x cols | worst inertia ratio | worst silhouette |diff| | elbows equal to kneed |\n|---|---:|---:|---:|---:|');
    console.log(summary.join('\n'));
    console.log(
      `\n${sets.length} data sets, ${elbows.length} curves; worst inertia ratio ${worstRatio.toFixed(5)} (bound ${INERTIA_BOUND}), worst silhouette |diff| ${worstSil.toExponential(2)} (bound ${SILHOUETTE_BOUND}), worst CH relative diff ${worstCh.toExponential(2)} (bound ${CH_BOUND})`,
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  if (failures.length > 0) {
    console.log(`\nFAILED (${failures.length}):\n${failures.join('\n')}`);
    process.exit(1);
  }
  console.log('\nall bounds met');
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
