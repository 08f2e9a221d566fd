/**
 * A dense row-major matrix of float64: row i, column j is data[i * cols + j].
 * The one data layout the math works on; never arrays of arrays in a hot loop.
 */
export interface Matrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float64Array;
}

export function matrix(rows: number, cols: number, data?: Float64Array): Matrix {
  const d = data ?? new Float64Array(rows * cols);
  if (d.length !== rows * cols) throw new RangeError(`matrix data has ${d.length} values, expected ${rows} x ${cols}`);
  return { rows, cols, data: d };
}

/** The rows of `m` at `indices`, copied into a new matrix. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float64Array(indices.length * m.cols);
  for (let r = 0; r < indices.length; r++) {
    const src = indices[r] * m.cols;
    out.set(m.data.subarray(src, src + m.cols), r * m.cols);
  }
  return { rows: indices.length, cols: m.cols, data: out };
}

/** ||x_i||^2 of each of the n rows of d features, summed in feature order (the seeders' norms). */
export function rowSquaredNorms(x: Float64Array, n: number, d: number, out: Float64Array = new Float64Array(n)): Float64Array {
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += x[i * d + j] * x[i * d + j];
    out[i] = s;
  }
  return out;
}
