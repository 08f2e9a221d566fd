import type { CategoricalProfile, ContinuousProfile, FeatureProfile } from './featureProfiles';
import type { SegmentationSummary } from './explain';

/**
 * Segment names, and which features set a segment apart, from the feature profiles alone (so the
 * worker and the pushdown summary, whose profiles agree, name segments alike, and the report can
 * rank a summary's features without the rows).
 *
 * For segment s and feature f, the segment's position is measured in standard deviations of the
 * feature over all customers: a continuous feature's mean, z = (mean_s - mean) / std; for a binary
 * or categorical feature, the share of the category most over-represented in s (by the same
 * measure; never the `(other)` bucket), z = (share_s - share) / sqrt(share (1 - share)), the
 * standard deviation of its 0/1 indicator. Then:
 * - deviation: |z| of s, how far it is from the average customer (in its direction);
 * - lead: deviation minus the largest deviation of any other non-empty segment in the same
 *   direction (how far it is ahead of the next segment; <= 0 when another segment is as far);
 * - score = deviation + lead: a feature names s when s is far from the average customer on it
 *   and further than every other segment. A binary that several segments share (all of them
 *   100% subscribed) has lead <= 0 for each of them, so it names a segment only where nothing
 *   else sets it apart as well.
 * - distinguishes: deviation >= {@link MIN_DEVIATION} and at least {@link MIN_STANDARD_ERRORS}
 *   standard errors (1 / sqrt(size) in these units), a difference chance does not explain.
 * Ranked: distinguishing features first, then by score (rounded to 1e-6 so the float noise
 * between an in-process and a warehouse sum cannot reorder them), then feature order.
 */

/** Column name -> the name people use for it (the run config's `labels`). */
export type DisplayNames = Readonly<Record<string, string>>;

/** Smallest deviation (in standard deviations) that counts as setting a segment apart. */
export const MIN_DEVIATION = 0.2;
/** ...and it must be at least this many standard errors (chance alone rarely reaches 3). */
export const MIN_STANDARD_ERRORS = 3;

/** The human name of a column when `names` gives one, else the column name. */
export function displayName(feature: string, names?: DisplayNames): string {
  const n = names !== undefined && Object.prototype.hasOwnProperty.call(names, feature) ? names[feature] : undefined;
  return typeof n === 'string' && n.trim() !== '' ? n.trim() : feature;
}

const hasName = (feature: string, names?: DisplayNames): boolean => displayName(feature, names) !== feature;

export interface Distinction {
  readonly feature: string;
  /** The feature's position in the summary's `features`. */
  readonly index: number;
  readonly kind: FeatureProfile['kind'];
  /** Binary / categorical: the over-represented category (display label); null for continuous. */
  readonly category: string | null;
  /** Continuous: the segment's mean is higher or lower than everyone's; categorical: always higher. */
  readonly direction: 'higher' | 'lower';
  readonly deviation: number;
  readonly lead: number;
  readonly score: number;
  readonly distinguishes: boolean;
}

const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;

/** z of each segment on a continuous feature (null: empty segment or no spread). */
function continuousZ(p: ContinuousProfile): (number | null)[] {
  const mean = p.population.mean;
  const std = p.population.std;
  return p.segments.map((s) => (s.mean === null || mean === null || std === null || !(std > 0) ? null : (s.mean - mean) / std));
}

/** The categories a label may name: all but a categorical's trailing `(other)` bucket. */
function nameable(p: CategoricalProfile): number {
  return p.kind === 'categorical' && p.categories[p.categories.length - 1] === '(other)' ? p.categories.length - 1 : p.categories.length;
}

/** z of segment t on category j (null: empty segment or a category on every or no customer). */
function categoryZ(p: CategoricalProfile, t: number, j: number): number | null {
  const pop = p.population.shares[j];
  const sd = Math.sqrt(pop * (1 - pop));
  const size = p.segments[t].counts.reduce((a, b) => a + b, 0);
  return size > 0 && sd > 0 ? (p.segments[t].shares[j] - pop) / sd : null;
}

function distinction(
  p: FeatureProfile,
  index: number,
  s: number,
  z: (t: number) => number | null,
  size: number,
  extra: { category: string | null; direction: 'higher' | 'lower' },
): Distinction | null {
  const own = z(s);
  if (own === null) return null;
  const sign = extra.direction === 'higher' ? 1 : -1;
  const deviation = round6(sign * own);
  if (!(deviation > 0)) return null;
  let next = -Infinity;
  for (let t = 0; t < p.segments.length; t++) {
    const v = t === s ? null : z(t);
    if (v !== null && sign * v > next) next = sign * v;
  }
  const lead = round6(next === -Infinity ? deviation : deviation - next);
  const distinguishes = deviation >= MIN_DEVIATION && deviation * Math.sqrt(size) >= MIN_STANDARD_ERRORS;
  return { feature: p.feature, index, kind: p.kind, ...extra, deviation, lead, score: round6(deviation + lead), distinguishes };
}

/** How segment s stands out on one feature, or null when it does not stand out on it at all. */
export function featureDistinction(p: FeatureProfile, index: number, s: number): Distinction | null {
  if (p.kind === 'continuous') {
    const zs = continuousZ(p);
    const own = zs[s];
    if (own === null) return null;
    return distinction(p, index, s, (t) => zs[t], p.segments[s].size, { category: null, direction: own >= 0 ? 'higher' : 'lower' });
  }
  let best = -1;
  let bestZ = 0;
  for (let j = 0; j < nameable(p); j++) {
    const v = categoryZ(p, s, j);
    if (v !== null && v > bestZ) [best, bestZ] = [j, v];
  }
  if (best < 0) return null;
  const size = p.segments[s].counts.reduce((a, b) => a + b, 0);
  return distinction(p, index, s, (t) => categoryZ(p, t, best), size, { category: p.categories[best], direction: 'higher' });
}

/** The features on which segment s stands out, most distinctive first (see the module comment). */
export function segmentDistinctions(profiles: readonly FeatureProfile[], s: number): Distinction[] {
  const out = profiles.map((p, i) => featureDistinction(p, i, s)).filter((d): d is Distinction => d !== null);
  return out.sort((a, b) => Number(b.distinguishes) - Number(a.distinguishes) || b.score - a.score || a.index - b.index);
}

/** Whether the feature sets at least one segment apart (see `distinguishes`). */
export function distinguishesAnySegment(p: FeatureProfile): boolean {
  return p.segments.some((_, s) => featureDistinction(p, 0, s)?.distinguishes === true);
}

/** `Total spend` -> `total spend` inside a phrase; `RFM tier` stays. */
const lowerFirst = (s: string): string => (/^[A-Z][a-z]/.test(s) ? s.charAt(0).toLowerCase() + s.slice(1) : s);

const YES = new Set(['1', 'true', 'yes', 'y', 't']);
const NO = new Set(['0', 'false', 'no', 'n', 'f']);

/** A yes / no binary (0 / 1, true / false...): the answer its category stands for, else null. */
function yesNo(p: CategoricalProfile, category: string): string | null {
  if (p.kind !== 'binary' || p.categories.length !== 2) return null;
  const [a, b] = p.categories.map((c) => c.toLowerCase());
  const pair = (YES.has(a) && NO.has(b)) || (NO.has(a) && YES.has(b));
  return pair ? (YES.has(category.toLowerCase()) ? 'yes' : 'no') : null;
}

/**
 * The words for a distinction: `high total_spend` / `low total_spend`, `country=JP`; with a human
 * name: `high total spend`, `Country: JP`, `Subscribed: yes` (a 0 / 1 or true / false binary).
 */
export function phrase(p: FeatureProfile, d: Distinction, names?: DisplayNames): string {
  const name = displayName(p.feature, names);
  if (p.kind === 'continuous') return `${d.direction === 'higher' ? 'high' : 'low'} ${hasName(p.feature, names) ? lowerFirst(name) : name}`;
  const category = d.category ?? '';
  return hasName(p.feature, names) ? `${name}: ${yesNo(p, category) ?? category}` : `${p.feature}=${category}`;
}

/**
 * Labels from the first `want` phrases of each segment; segments whose labels collide get one
 * more phrase at a time until they differ, and ` (segment N)` as a last resort.
 */
function uniqueLabels(ranked: string[][], want: number): string[] {
  const used = ranked.map((r) => Math.min(want, r.length));
  const make = (s: number): string => ranked[s].slice(0, used[s]).join(', ');
  let labels = ranked.map((_, s) => make(s));
  for (;;) {
    const groups = new Map<string, number[]>();
    labels.forEach((l, s) => groups.set(l, [...(groups.get(l) ?? []), s]));
    let grew = false;
    for (const members of groups.values()) {
      if (members.length < 2) continue;
      for (const s of members) {
        if (used[s] < ranked[s].length) {
          used[s]++;
          grew = true;
        }
      }
    }
    if (!grew) break;
    labels = ranked.map((_, s) => make(s));
  }
  const seen = new Map<string, number>();
  for (const l of labels) seen.set(l, (seen.get(l) ?? 0) + 1);
  return labels.map((l, s) => ((seen.get(l) ?? 0) > 1 || l === '' ? `${l}${l ? ' ' : ''}(segment ${s})` : l));
}

/**
 * One name per segment, unique across segments: the phrases of its first `want` (default 2)
 * features by {@link segmentDistinctions}, with human column names when `names` gives them.
 */
export function segmentLabels(profiles: readonly FeatureProfile[], k: number, options: { names?: DisplayNames; want?: number } = {}): string[] {
  const ranked = Array.from({ length: k }, (_, s) => segmentDistinctions(profiles, s).map((d) => phrase(profiles[d.index], d, options.names)));
  return uniqueLabels(ranked, options.want ?? 2);
}

/** The summary with its segments renamed from its own profiles (e.g. with the run's human column names). */
export function withLabels<T extends SegmentationSummary>(summary: T, names?: DisplayNames, want?: number): T {
  const labels = segmentLabels(summary.features, summary.k, { names, want });
  return { ...summary, segments: summary.segments.map((s, i) => ({ ...s, label: labels[i] })) };
}
