/**
 * The Kneedle elbow (Satopaa et al., 2011) of a decreasing convex curve such as inertia vs k,
 * computed exactly as the python `kneed` package (version 0.9, the current release) does in
 * `KneeLocator(x, y, curve='convex', direction='decreasing')` with its defaults
 * (S=1, online=False, interp_method='interp1d'), so the elbow matches kneed's on the same curve.
 *
 * Algorithm (n points, x strictly increasing):
 *
 * 1. normalise: xn = (x - min x) / (max x - min x), yn = (y - min y) / (max y - min y)
 *    (interp1d evaluated at the data points returns y itself);
 * 2. flip the convex decreasing curve into a concave increasing one: yt = max(yn) - yn;
 * 3. difference curve yd = yt - xn: how far the normalised curve lies below the chord from the
 *    first to the last point;
 * 4. local maxima of yd: i with yd[i] >= yd[i-1] and yd[i] >= yd[i+1]; local minima likewise
 *    with <= (neighbours beyond the ends are clipped to the end point itself, as scipy's
 *    `argrelextrema(..., mode='clip')` does);
 * 5. threshold of each local maximum: T = yd[max] - S * |mean(diff(xn))|, the mean summed
 *    pairwise like numpy;
 * 6. walk the curve from the first local maximum: a local maximum makes its T the threshold and
 *    itself the candidate, and switches detection on; a local minimum switches detection off until
 *    the next maximum (kneed >= 0.9; a point both maximum and minimum, on a plateau, ends off).
 *    The first time detection is on and the next point yd[i+1] falls below the threshold, the
 *    candidate maximum's x is the elbow (offline mode: the first elbow found is returned).
 *
 * When no local maximum exists or the curve never falls below a threshold while detection is on,
 * kneed returns None; here `elbowK` is null and `reason` says why. Three cases are answered
 * before the walk, each with the null answer kneed gives too: fewer than 3 points; a flat curve
 * (all y equal, where kneed divides 0 by 0 and finds no maximum); a straight line, whose
 * difference curve is zero up to rounding (|yd| <= 1e-12 everywhere; kneed's thresholds are then
 * about -S / (n - 1) and never crossed. Only with S = 0 can kneed still report an elbow there, from
 * rounding noise alone; this function does not).
 */
export interface KneedleResult {
  /** The x (k) of the elbow, or null when there is none. */
  readonly elbowK: number | null;
  /** Why this answer: which maximum was taken, or why there is no elbow. */
  readonly reason: string;
  /** xn, the normalised x values. */
  readonly normalizedX: number[];
  /** yd, the difference curve (distance below the chord), one value per point. */
  readonly difference: number[];
}

export interface KneedleOptions {
  /** Sensitivity S (kneed's default 1): larger values need a more pronounced elbow. */
  readonly sensitivity?: number;
}

/** Difference curves within this distance of 0 everywhere are straight lines. */
export const STRAIGHT_LINE_TOLERANCE = 1e-12;

/** numpy's pairwise summation of a[lo, lo + n) (used by `ndarray.mean`), bit for bit. */
export function pairwiseSum(a: ArrayLike<number>, lo: number, n: number): number {
  if (n < 8) {
    let res = 0;
    for (let i = 0; i < n; i++) res += a[lo + i];
    return res;
  }
  if (n <= 128) {
    const r = [a[lo], a[lo + 1], a[lo + 2], a[lo + 3], a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]];
    let i = 8;
    for (; i < n - (n % 8); i += 8) for (let t = 0; t < 8; t++) r[t] += a[lo + i + t];
    let res = r[0] + r[1] + (r[2] + r[3]) + (r[4] + r[5] + (r[6] + r[7]));
    for (; i < n; i++) res += a[lo + i];
    return res;
  }
  let n2 = Math.floor(n / 2);
  n2 -= n2 % 8;
  return pairwiseSum(a, lo, n2) + pairwiseSum(a, lo + n2, n - n2);
}

function normalise(a: readonly number[]): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of a) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return a.map((v) => (v - lo) / (hi - lo));
}

/** The Kneedle elbow of the decreasing convex curve (x, y); see the module comment. */
export function kneedle(x: readonly number[], y: readonly number[], options: KneedleOptions = {}): KneedleResult {
  const s = options.sensitivity ?? 1;
  if (!(s >= 0 && Number.isFinite(s))) throw new RangeError(`sensitivity must be a finite number >= 0, got ${s}`);
  const n = x.length;
  if (y.length !== n) throw new RangeError(`x has ${n} values but y has ${y.length}`);
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) throw new RangeError(`point ${i} (${x[i]}, ${y[i]}) is not finite`);
    if (i > 0 && !(x[i] > x[i - 1])) throw new RangeError(`x must be strictly increasing; x[${i - 1}] = ${x[i - 1]}, x[${i}] = ${x[i]}`);
  }
  const none = (reason: string, xn: number[] = [], yd: number[] = []): KneedleResult => ({ elbowK: null, reason, normalizedX: xn, difference: yd });
  if (n < 3) return none(`no elbow: the curve has ${n} point${n === 1 ? '' : 's'}; an elbow needs at least 3`);
  const xn = normalise(x);
  if (y.every((v) => v === y[0]))
    return none(
      'no elbow: the curve is flat (every y is equal)',
      xn,
      xn.map(() => 0),
    );
  const yn = normalise(y);
  let ynMax = -Infinity;
  for (const v of yn) if (v > ynMax) ynMax = v;
  const yd = yn.map((v, i) => ynMax - v - xn[i]);
  if (yd.every((v) => Math.abs(v) <= STRAIGHT_LINE_TOLERANCE)) return none('no elbow: the curve is a straight line (it never departs from the chord)', xn, yd);

  const isMax: boolean[] = [];
  const isMin: boolean[] = [];
  const maxima: number[] = [];
  for (let i = 0; i < n; i++) {
    const prev = yd[Math.max(0, i - 1)];
    const next = yd[Math.min(n - 1, i + 1)];
    isMax.push(yd[i] >= prev && yd[i] >= next);
    isMin.push(yd[i] <= prev && yd[i] <= next);
    if (isMax[i]) maxima.push(i);
  }
  if (maxima.length === 0) return none('no elbow: the difference curve has no local maximum', xn, yd);
  const diffs = xn.slice(1).map((v, i) => v - xn[i]);
  const step = Math.abs(pairwiseSum(diffs, 0, diffs.length) / diffs.length);
  const thresholds = maxima.map((i) => yd[i] - s * step);

  let t = 0;
  let threshold = 0;
  let thresholdIndex = -1;
  let active = true;
  for (let i = maxima[0]; i < n - 1; i++) {
    if (isMax[i]) {
      threshold = thresholds[t++];
      thresholdIndex = i;
      active = true;
    }
    if (isMin[i]) {
      threshold = 0;
      active = false;
    }
    if (active && yd[i + 1] < threshold) {
      return {
        elbowK: x[thresholdIndex],
        reason: `elbow at ${x[thresholdIndex]}: the difference curve peaks there at ${yd[thresholdIndex].toFixed(4)} and next falls below the threshold ${threshold.toFixed(4)} (peak - S x mean normalised step)`,
        normalizedX: xn,
        difference: yd,
      };
    }
  }
  return none(
    `no elbow: the difference curve (peak ${Math.max(...yd).toFixed(4)}) never drops below its threshold (peak - S x mean normalised step ${step.toFixed(4)}); the curve bends too little`,
    xn,
    yd,
  );
}
