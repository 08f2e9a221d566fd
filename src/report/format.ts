/**
 * Numbers for people: grouped thousands, a precision that suits the magnitude, percentages and
 * durations. Locale-independent (en-US grouping) so a report reads the same wherever it is built.
 */

const grouped = (digits: number) => new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
const byDigits = [0, 1, 2, 3, 4].map(grouped);
const tiny = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 2 });

/** A count: `1,524`. */
export function count(n: number): string {
  return byDigits[0].format(n);
}

/**
 * A measured value with about 3 significant digits, never in exponent form: `2,410`, `48.9`,
 * `0.262`, `0.0031`; `-` when null or not finite.
 */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '-';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return byDigits[0].format(v);
  if (a >= 10) return byDigits[1].format(v);
  if (a >= 1) return byDigits[2].format(v);
  if (a >= 0.01) return byDigits[3].format(v);
  return tiny.format(v);
}

/** A share in [0, 1] as a percentage: `30.5%` (`<0.1%` for tiny non-zero shares). */
export function pct(share: number, digits = 1): string {
  if (!Number.isFinite(share)) return '-';
  if (share > 0 && share < 0.5 * 10 ** -(digits + 2)) return `<${(10 ** -digits).toFixed(digits)}%`;
  return `${(share * 100).toFixed(digits)}%`;
}

/** A duration: `12 ms`, `5.5 s`, `2 min 05 s`. */
export function duration(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
  const s = Math.round(ms / 1000);
  return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

/** Fixed decimals (scores): `0.366`. */
export function fixed(v: number | null | undefined, digits = 3): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits);
}
