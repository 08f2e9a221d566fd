/**
 * Order statistics on Float64Array in O(n) expected time (quickselect with a median-of-three
 * pivot and a three-way partition, so runs of equal values cost nothing extra), without sorting.
 * Every function rearranges the slice it is given: pass a scratch copy.
 */

/**
 * Rearranges a[lo, hi) so that a[r] holds the value of rank r (0-based, within the whole array),
 * everything in [lo, r) is <= a[r] and everything in (r, hi) is >= a[r].
 */
export function selectRank(a: Float64Array, lo: number, hi: number, r: number): void {
  if (r < lo || r >= hi) throw new RangeError(`rank ${r} outside [${lo}, ${hi})`);
  let l = lo;
  let h = hi - 1;
  while (l < h) {
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
 * Quantiles of a[lo, hi) for probabilities `qs` (each in [0, 1]) by linear interpolation between
 * order statistics (numpy's default `linear` method: position h = (n - 1) q, value
 * x[floor h] + (h - floor h) (x[floor h + 1] - x[floor h])). NaN for an empty slice.
 * Rearranges the slice. O(n * number of distinct ranks) worst case, O(n) typical.
 */
export function quantilesOf(a: Float64Array, qs: readonly number[], lo = 0, hi = a.length): number[] {
  const n = hi - lo;
  if (n <= 0) return qs.map(() => NaN);
  const ranks = new Set<number>();
  for (const q of qs) {
    if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile must be in [0, 1], got ${q}`);
    const h = (n - 1) * q;
    const f = Math.floor(h);
    ranks.add(f);
    if (f + 1 < n && h > f) ranks.add(f + 1);
  }
  const sorted = Array.from(ranks).sort((x, y) => x - y);
  const valueAt = new Map<number, number>();
  let from = lo;
  for (const r of sorted) {
    selectRank(a, from, hi, lo + r);
    valueAt.set(r, a[lo + r]);
    from = lo + r + 1;
  }
  return qs.map((q) => {
    const h = (n - 1) * q;
    const f = Math.floor(h);
    const v = valueAt.get(f) as number;
    if (h === f || f + 1 >= n) return v;
    return v + (h - f) * ((valueAt.get(f + 1) as number) - v);
  });
}
