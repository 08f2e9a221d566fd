/**
 * The hot loops of k-means, generated as JavaScript source specialised for (k, d).
 *
 * For k * d <= UNROLL_LIMIT the loops over centroids and features are fully unrolled and the
 * centroids are hoisted into locals: V8 then keeps each row's features in registers, reads the
 * centroids from the stack without bounds checks and runs k independent dependency chains. On
 * 1M x 20, k = 8 this takes the assignment from ~110 ms (nested loops) to ~41 ms per pass.
 * Larger shapes get the same arithmetic as plain loops, so results never depend on which form
 * runs: every distance is accumulated in the same order (feature 0 first).
 *
 * Only integers k and d are interpolated into the source. Worker threads compile the very same
 * strings (see lloydParallel.ts), so every thread computes bit-identical results.
 */

/** Above this many centroid values the unrolled form gets too big to pay; plain loops are used. */
export const UNROLL_LIMIT = 512;

/**
 * Lloyd assignment of rows [start, end): label = argmin_c 0.5 * ||c||^2 - x.c (ties to the lower
 * index), computed as ((h_c - x_0 c_0) - x_1 c_1) - ...; adds each row to sums[label] and
 * counts[label]; returns how many labels changed. `halfNorms[c]` = 0.5 * ||c||^2.
 */
export type LloydKernel = (x: Float64Array, centers: Float64Array, halfNorms: Float64Array, start: number, end: number, labels: Int32Array, sums: Float64Array, counts: Float64Array) => number;

/**
 * Exact nearest centroid of rows [start, end): label = argmin_c sum_j (x_j - c_j)^2 (ties to the
 * lower index); writes labels and returns the sum of the squared distances in row order.
 */
export type NearestKernel = (x: Float64Array, centers: Float64Array, start: number, end: number, labels: Int32Array) => number;

export const LLOYD_PARAMS = ['x', 'centers', 'halfNorms', 'start', 'end', 'labels', 'sums', 'counts'] as const;
export const NEAREST_PARAMS = ['x', 'centers', 'start', 'end', 'labels'] as const;

function checkShape(k: number, d: number): void {
  if (!Number.isSafeInteger(k) || k < 1 || !Number.isSafeInteger(d) || d < 1) throw new RangeError(`kernel shape must be positive integers, got k=${k}, d=${d}`);
}

function argminSource(k: number, s: (c: number) => string): string {
  let src = ` let best = 0;\n let bv = ${s(0)};\n`;
  for (let c = 1; c < k; c++) src += ` if (${s(c)} < bv) { bv = ${s(c)}; best = ${c}; }\n`;
  return src;
}

/** Source of the body of a {@link LloydKernel} for k centroids of d features. */
export function lloydKernelSource(k: number, d: number): string {
  checkShape(k, d);
  if (k * d > UNROLL_LIMIT) {
    return `
let changed = 0;
for (let i = start; i < end; i++) {
  const xo = i * ${d};
  let best = 0;
  let bv = Infinity;
  for (let c = 0; c < ${k}; c++) {
    const co = c * ${d};
    let s = halfNorms[c];
    for (let j = 0; j < ${d}; j++) s -= x[xo + j] * centers[co + j];
    if (s < bv) { bv = s; best = c; }
  }
  if (labels[i] !== best) changed++;
  labels[i] = best;
  const so = best * ${d};
  for (let j = 0; j < ${d}; j++) sums[so + j] += x[xo + j];
  counts[best] += 1;
}
return changed;`;
  }
  let src = '';
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) src += `const c${c}_${j} = centers[${c * d + j}];\n`;
  for (let c = 0; c < k; c++) src += `const h${c} = halfNorms[${c}];\n`;
  src += `let changed = 0;\nfor (let i = start, xo = start * ${d}; i < end; i++, xo += ${d}) {\n`;
  for (let j = 0; j < d; j++) src += ` const x${j} = x[xo + ${j}];\n`;
  for (let c = 0; c < k; c++) {
    src += ` const s${c} = h${c}`;
    for (let j = 0; j < d; j++) src += ` - x${j} * c${c}_${j}`;
    src += ';\n';
  }
  src += argminSource(k, (c) => `s${c}`);
  src += ` if (labels[i] !== best) changed++;\n labels[i] = best;\n const so = best * ${d};\n`;
  for (let j = 0; j < d; j++) src += ` sums[so + ${j}] += x${j};\n`;
  src += ' counts[best] += 1;\n}\nreturn changed;\n';
  return src;
}

/** Source of the body of a {@link NearestKernel} for k centroids of d features. */
export function nearestKernelSource(k: number, d: number): string {
  checkShape(k, d);
  if (k * d > UNROLL_LIMIT) {
    return `
let inertia = 0;
for (let i = start; i < end; i++) {
  const xo = i * ${d};
  let best = 0;
  let bv = Infinity;
  for (let c = 0; c < ${k}; c++) {
    const co = c * ${d};
    let s = 0;
    for (let j = 0; j < ${d}; j++) { const t = x[xo + j] - centers[co + j]; s += t * t; }
    if (s < bv) { bv = s; best = c; }
  }
  labels[i] = best;
  inertia += bv;
}
return inertia;`;
  }
  let src = '';
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) src += `const c${c}_${j} = centers[${c * d + j}];\n`;
  src += `let inertia = 0;\nfor (let i = start, xo = start * ${d}; i < end; i++, xo += ${d}) {\n`;
  for (let j = 0; j < d; j++) src += ` const x${j} = x[xo + ${j}];\n`;
  for (let c = 0; c < k; c++) {
    // (0 + t0*t0) + t1*t1 + ... : the same rounding as the plain loop starting from s = 0
    src += ` let s${c} = 0;\n`;
    for (let j = 0; j < d; j++) src += ` { const t = x${j} - c${c}_${j}; s${c} += t * t; }\n`;
  }
  src += argminSource(k, (c) => `s${c}`);
  src += ' labels[i] = best;\n inertia += bv;\n}\nreturn inertia;\n';
  return src;
}

export interface Kernels {
  readonly lloydSource: string;
  readonly nearestSource: string;
  readonly lloyd: LloydKernel;
  readonly nearest: NearestKernel;
}

const cache = new Map<string, Kernels>();

/** Compiles a kernel body (generated from integers only, never from data or user input). */
export function compileKernel<F>(params: readonly string[], body: string): F {
  return new Function(...params, `'use strict';\n${body}`) as F;
}

/** The kernels for k centroids of d features, generated and compiled once per shape. */
export function kernels(k: number, d: number): Kernels {
  const key = `${k}:${d}`;
  let ks = cache.get(key);
  if (ks === undefined) {
    const lloydSource = lloydKernelSource(k, d);
    const nearestSource = nearestKernelSource(k, d);
    ks = {
      lloydSource,
      nearestSource,
      lloyd: compileKernel<LloydKernel>(LLOYD_PARAMS, lloydSource),
      nearest: compileKernel<NearestKernel>(NEAREST_PARAMS, nearestSource),
    };
    cache.set(key, ks);
  }
  return ks;
}
