/**
 * Order statistics on Float64Array in O(n) expected time (quickselect with a median-of-three
 * pivot and a three-way partition, so runs of equal values cost nothing extra), without sorting.
 * Every function rearranges the slice it is given: pass a scratch copy.
 */

/**
 * Three-way partition of a[l..h] (inclusive) around the median of a[l], a[mid], a[h]: returns
 * [lt, gt] with a[l, lt) < pivot, a[lt..gt] == pivot, a(gt, h] > pivot.
 */
function partition3(a: Float64Array, l: number, h: number): [number, number] {
  const m = l + ((h - l) >> 1);
  const x = a[l];
  const y = a[m];
  const z = a[h];
  const pivot = x < y ? (y < z ? y : x < z ? z : x) : x < z ? x : y < z ? z : y;
  let lt = l;
  let i = l;
  let gt = h;
  while (i <= gt) {
    const v = a[i];
    if (v < pivot) {
      a[i] = a[lt];
      a[lt] = v;
      lt++;
      i++;
    } else if (v > pivot) {
      a[i] = a[gt];
      a[gt] = v;
      gt--;
    } else i++;
  }
  return [lt, gt];
}

/**
 * Rearranges a[lo, hi) so that a[r] holds the value of rank r (0-based, within the whole array),
 * everything in [lo, r) is <= a[r] and everything in (r, hi) is >= a[r].
 */
export function selectRank(a: Float64Array, lo: number, hi: number, r: number): void {
  if (r < lo || r >= hi) throw new RangeError(`rank ${r} outside [${lo}, ${hi})`);
  let l = lo;
  let h = hi - 1;
  while (l < h) {
    const [lt, gt] = partition3(a, l, h);
    if (r < lt) h = lt - 1;
    else if (r > gt) l = gt + 1;
    else return;
  }
}

/**
 * Median of a[lo, hi): the middle value, or the mean of the two middle values for an even count
 * (numpy's / pandas' median). NaN for an empty slice. Rearranges the slice.
 */
export function medianOf(a: Float64Array, lo = 0, hi = a.length): number {
  const n = hi - lo;
  if (n <= 0) return NaN;
  const mid = lo + (n >> 1);
  selectRank(a, lo, hi, mid);
  const upper = a[mid];
  if (n % 2 === 1) return upper;
  // the lower middle is the maximum of [lo, mid)
  let lower = a[lo];
  for (let i = lo + 1; i < mid; i++) if (a[i] > lower) lower = a[i];
  return (lower + upper) / 2;
}

/**
 * Rearranges a[lo, hi) so that a[lo + r] holds the value of rank r for every r in `ranks`
 * (0-based within the slice, any order, duplicates allowed), by one multi-way quickselect:
 * each partition sends every requested rank to the side that holds it. O(n log m) for m ranks.
 */
export function selectRanks(a: Float64Array, lo: number, hi: number, ranks: readonly number[]): void {
  const want = Array.from(new Set(ranks.map((r) => lo + r))).sort((x, y) => x - y);
  for (const r of want) if (r < lo || r >= hi) throw new RangeError(`rank ${r - lo} outside [0, ${hi - lo})`);
  // stack of [l, h, first rank index, end rank index)
  const stack: number[] = [lo, hi - 1, 0, want.length];
  while (stack.length > 0) {
    const re = stack.pop() as number;
    const rs = stack.pop() as number;
    let h = stack.pop() as number;
    let l = stack.pop() as number;
    if (rs >= re || l >= h) continue;
    if (re - rs === 1) {
      selectRank(a, l, h + 1, want[rs]);
      continue;
    }
    const [lt, gt] = partition3(a, l, h);
    let split1 = rs;
    while (split1 < re && want[split1] < lt) split1++;
    let split2 = split1;
    while (split2 < re && want[split2] <= gt) split2++;
    stack.push(l, lt - 1, rs, split1);
    stack.push(gt + 1, h, split2, re);
    l = h = 0;
  }
}

/** Quantiles (numpy's linear interpolation) and the median (mean of the two middle values for an even count). */
export interface QuantileSummary {
  readonly quantiles: number[];
  readonly median: number;
}

/**
 * Quantiles of a[lo, hi) for probabilities `qs` (each in [0, 1]) by linear interpolation between
 * order statistics (numpy's default `linear` method: position h = (n - 1) q, value
 * x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])), and the median as {@link medianOf}
 * computes it, from one multi-rank selection. NaN for an empty slice. Rearranges the slice.
 */
export function quantileSummary(a: Float64Array, qs: readonly number[], lo = 0, hi = a.length): QuantileSummary {
  const n = hi - lo;
  if (n <= 0) return { quantiles: qs.map(() => NaN), median: NaN };
  for (const q of qs) if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
  selectRanks(a, lo, hi, quantileRanks(n, qs));
  return quantilesAtRanks(n, qs, (r) => a[lo + r]);
}

/** The ranks (0-based, in sorted order) whose values {@link quantilesAtRanks} reads for n values. */
export function quantileRanks(n: number, qs: readonly number[]): number[] {
  const ranks = new Set<number>([(n - 1) >> 1, n >> 1]);
  for (const q of qs) {
    const h = (n - 1) * q;
    const f = Math.floor(h);
    ranks.add(f);
    if (f + 1 < n && h > f) ranks.add(f + 1);
  }
  return [...ranks].sort((a, b) => a - b);
}

/**
 * numpy's linear quantiles and the median of n values, from `at(r)`, the value at rank r of the
 * sorted values (only the ranks of {@link quantileRanks} are asked): however the ranks were found
 * (selection in process, cumulative counts in the warehouse), the same numbers.
 */
export function quantilesAtRanks(n: number, qs: readonly number[], at: (rank: number) => number): QuantileSummary {
  const quantiles = qs.map((q) => {
    const h = (n - 1) * q;
    const f = Math.floor(h);
    const v = at(f);
    if (h === f || f + 1 >= n) return v;
    return v + (h - f) * (at(f + 1) - v);
  });
  const median = n % 2 === 1 ? at(n >> 1) : (at((n >> 1) - 1) + at(n >> 1)) / 2;
  return { quantiles, median };
}

/** Just the quantiles of {@link quantileSummary}. */
export function quantilesOf(a: Float64Array, qs: readonly number[], lo = 0, hi = a.length): number[] {
  return quantileSummary(a, qs, lo, hi).quantiles;
}
