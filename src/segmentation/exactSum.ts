/**
 * Exact, order-independent summation of doubles: the sum of a column is the exact real sum of
 * its values rounded once to the nearest double (ties to even), so it does not depend on row
 * order, on how a warehouse splits the table, or on where it is computed (in process with
 * {@link exactSum}, or in SQL as integer chunk sums combined by {@link scaledBigIntToDouble}).
 */

/**
 * The correctly rounded sum of the values of `a` selected by `keep` (Shewchuk's algorithm with
 * the final rounding of Python's math.fsum). Values must be finite and the partial sums must not
 * overflow. O(n) for typical data (the list of partials stays short).
 */
export function exactSum(a: Float64Array, keep?: (i: number) => boolean): number {
  const partials: number[] = [];
  for (let t = 0; t < a.length; t++) {
    if (keep !== undefined && !keep(t)) continue;
    let x = a[t];
    let i = 0;
    for (let j = 0; j < partials.length; j++) {
      let y = partials[j];
      if (Math.abs(x) < Math.abs(y)) {
        const s = x;
        x = y;
        y = s;
      }
      const hi = x + y;
      const lo = y - (hi - x);
      if (lo !== 0) partials[i++] = lo;
      x = hi;
    }
    partials.length = i;
    partials.push(x);
  }
  return roundPartials(partials);
}

/** Rounds the exact sum of non-overlapping partials (increasing magnitude) to the nearest double. */
function roundPartials(p: number[]): number {
  let n = p.length;
  if (n === 0) return 0;
  let hi = p[--n];
  let lo = 0;
  while (n > 0) {
    const x = hi;
    const y = p[--n];
    hi = x + y;
    const yr = hi - x;
    lo = y - yr;
    if (lo !== 0) break;
  }
  // Half-way case: the rest decides the direction of the rounding.
  if (n > 0 && ((lo < 0 && p[n - 1] < 0) || (lo > 0 && p[n - 1] > 0))) {
    const y = lo * 2;
    const x = hi + y;
    if (y === x - hi) hi = x;
  }
  return hi;
}

/** 2^e as a double for any integer e in [-1074, 1023]. */
export function pow2(e: number): number {
  if (e > 1023 || e < -1074) throw new RangeError(`2^${e} is not a finite non-zero double`);
  return e < -1022 ? 2 ** (e + 60) * 2 ** -60 : 2 ** e;
}

/** The double nearest to n * 2^e (ties to even), for a BigInt n. */
export function scaledBigIntToDouble(n: bigint, e: number): number {
  if (n === 0n) return 0;
  const neg = n < 0n;
  let a = neg ? -n : n;
  const bits = a.toString(2).length;
  if (bits > 64) {
    // Keep 64 bits and a sticky bit: Number() then rounds exactly as the full value would.
    const s = bits - 64;
    const sticky = (a & ((1n << BigInt(s)) - 1n)) !== 0n;
    a = (a >> BigInt(s)) | (sticky ? 1n : 0n);
    e += s;
  }
  let x = Number(a);
  // Scale in steps so no intermediate power of two leaves the double range.
  while (e > 0) {
    const step = Math.min(e, 1000);
    x *= 2 ** step;
    e -= step;
  }
  while (e < 0) {
    const step = Math.max(e, -1000);
    x *= 2 ** step;
    e -= step;
  }
  return neg ? -x : x;
}
