import { SegmentationInputError } from './errors';
import { kneedle } from './kneedle';

/**
 * Choosing the number of segments from per-k scores. Pure and deterministic, with no Node
 * import, so a Temporal workflow can call it directly.
 *
 * - elbowK: the Kneedle elbow of inertia vs k (see `kneedle.ts`, equal to python kneed's
 *   `KneeLocator(k, inertia, curve='convex', direction='decreasing').knee`), or null;
 * - silhouetteK: the k with the highest silhouette (ties: the smaller k), or null when no
 *   silhouette is finite;
 * - chosenK: an explicit `k` if given (selection 'explicit'); else elbowK under
 *   selection 'elbow' (the default), silhouetteK under 'silhouette'. When the requested rule has
 *   no answer the other one is used, and `reason` says so; when neither has, the smallest k scored.
 */
export interface KScoreLike {
  readonly k: number;
  readonly inertia: number;
  readonly silhouette: number;
  /** The same k's silhouette on uniform data over the same ranges (scoring.ts referenceSilhouette). */
  readonly referenceSilhouette?: number;
  /** Mean adjusted Rand index between bootstrap fits (scoring.ts stability). */
  readonly stability?: number;
}

/**
 * With selection 'stability': k values whose stability is within this of the best count as
 * equally stable, and the largest of them is chosen (more segments at no loss of reproducibility).
 */
export const STABILITY_TOLERANCE = 0.005;

export interface SelectKOptions {
  /** An explicit number of segments: overrides both rules. */
  readonly k?: number;
  /** The rule used when `k` is not given. Default 'elbow'. */
  readonly selection?: 'elbow' | 'silhouette' | 'stability';
}

/**
 * Below this best silhouette the data has no substantial cluster structure (Kaufman &
 * Rousseeuw's reading of the silhouette: 0.25 to 0.5 weak, 0.5 to 0.7 reasonable, above strong).
 */
export const WEAK_STRUCTURE_SILHOUETTE = 0.25;
/**
 * How far the best silhouette must exceed the same k's silhouette on uniform data over the same
 * ranges: k-means cuts uniform data into tidy pieces (silhouette about 0.3 in 2 to 4
 * dimensions), so a fit that scores no better found no groups the data has.
 */
export const REFERENCE_MARGIN = 0.05;

/** How much natural cluster structure the scores show, and what that means, in plain words. */
export interface ClusterStructure {
  /** The best finite silhouette over the k scored (null when none is finite). */
  readonly bestSilhouette: number | null;
  /** That k's silhouette on uniform data over the same ranges (null when not scored). */
  readonly referenceSilhouette: number | null;
  /** bestSilhouette < WEAK_STRUCTURE_SILHOUETTE, or < referenceSilhouette + REFERENCE_MARGIN. */
  readonly weak: boolean;
  /** For a weak structure: what it means for using the segments; else null. */
  readonly note: string | null;
}

export function clusterStructure(scores: readonly KScoreLike[]): ClusterStructure {
  const finite = scores.filter((s) => Number.isFinite(s.silhouette));
  if (finite.length === 0) return { bestSilhouette: null, referenceSilhouette: null, weak: false, note: null };
  const best = finite.reduce((a, s) => (s.silhouette > a.silhouette ? s : a));
  const reference = best.referenceSilhouette !== undefined && Number.isFinite(best.referenceSilhouette) ? best.referenceSilhouette : null;
  const low = best.silhouette < WEAK_STRUCTURE_SILHOUETTE;
  const likeNoise = reference !== null && best.silhouette < reference + REFERENCE_MARGIN;
  const ks = finite.map((s) => s.k).sort((a, b) => a - b);
  const range = ks.length === 1 ? `k = ${ks[0]}` : `k = ${ks[0]}..${ks[ks.length - 1]}`;
  const why = [
    ...(low ? [`below ${WEAK_STRUCTURE_SILHOUETTE}`] : []),
    ...(reference !== null && likeNoise ? [`no better than the ${reference.toFixed(2)} that customers spread uniformly over the same ranges give`] : []),
  ].join(', and ');
  return {
    bestSilhouette: best.silhouette,
    referenceSilhouette: reference,
    weak: low || likeNoise,
    note:
      low || likeNoise
        ? `No strong cluster structure: the best silhouette over ${range} is ${best.silhouette.toFixed(2)} (k = ${best.k}), ${why}. ` +
          'The segments split a continuum into comparable groups (useful as tiers for targeting and reporting), not natural types of customer: ' +
          'a customer near a boundary is almost as close to the neighbouring segment, and a rerun on slightly changed data can move many customers.'
        : null,
  };
}

export interface KSelection {
  /** The cluster structure the scores show (absent in selections made before it existed). */
  readonly structure?: ClusterStructure;
  readonly elbowK: number | null;
  readonly silhouetteK: number | null;
  readonly chosenK: number;
  /** The rule that produced chosenK. */
  readonly selection: 'explicit' | 'elbow' | 'silhouette' | 'stability' | 'smallest';
  /** The rule asked for ('explicit' when k was given). */
  readonly requested: 'explicit' | 'elbow' | 'silhouette' | 'stability';
  /** The k chosen by stability (see STABILITY_TOLERANCE), or null when no k has a stability score. */
  readonly stabilityK?: number | null;
  /** One or two sentences: what was chosen and why (including any fallback). */
  readonly reason: string;
  /** Why Kneedle found this elbow, or none. */
  readonly elbowReason: string;
}

/** Picks k from `scores` (any order, distinct k); see the module comment. */
export function selectK(scores: readonly KScoreLike[], options: SelectKOptions = {}): KSelection {
  const requested = options.k !== undefined ? 'explicit' : (options.selection ?? 'elbow');
  if (requested !== 'explicit' && requested !== 'elbow' && requested !== 'silhouette' && requested !== 'stability')
    throw new RangeError(`selection must be 'elbow', 'silhouette' or 'stability', got ${String(requested)}`);
  const sorted = [...scores].sort((a, b) => a.k - b.k);
  for (let i = 1; i < sorted.length; i++) if (sorted[i].k === sorted[i - 1].k) throw new RangeError(`k = ${sorted[i].k} is scored twice`);

  const elbow =
    sorted.length > 0
      ? kneedle(
          sorted.map((s) => s.k),
          sorted.map((s) => s.inertia),
        )
      : null;
  const elbowK = elbow?.elbowK ?? null;
  const elbowReason = elbow?.reason ?? 'no elbow: no k was scored';
  let silhouetteK: number | null = null;
  let best = -Infinity;
  for (const s of sorted) {
    if (Number.isFinite(s.silhouette) && s.silhouette > best) {
      best = s.silhouette;
      silhouetteK = s.k;
    }
  }
  const silText = silhouetteK === null ? 'no finite silhouette' : `best silhouette ${best.toFixed(4)} at k = ${silhouetteK}`;
  const stable = sorted.filter((s) => s.stability !== undefined && Number.isFinite(s.stability));
  const bestStability = stable.reduce((a, s) => Math.max(a, s.stability as number), -Infinity);
  const stabilityK = stable.length > 0 ? stable.filter((s) => (s.stability as number) >= bestStability - STABILITY_TOLERANCE).reduce((a, s) => Math.max(a, s.k), -Infinity) : null;
  const base = { elbowK, silhouetteK, stabilityK, requested, elbowReason, structure: clusterStructure(sorted) } as const;

  if (options.k !== undefined) {
    const k = options.k;
    if (!Number.isSafeInteger(k) || k < 2) throw new SegmentationInputError('K_OUT_OF_RANGE', `k must be an integer >= 2, got ${k}; pass a number of segments of at least 2.`, { value: String(k) });
    return { ...base, chosenK: k, selection: 'explicit', reason: `k = ${k} was given explicitly (elbow: ${elbowK ?? 'none'}, ${silText}).` };
  }
  if (sorted.length === 0) {
    throw new SegmentationInputError('K_OUT_OF_RANGE', 'no k was scored, so none can be chosen: the table has too few rows for kRange; lower kRange.min or pass an explicit k.', {});
  }
  if (requested === 'stability' && stabilityK !== null) {
    const at = stable.find((s) => s.k === stabilityK)?.stability as number;
    return {
      ...base,
      chosenK: stabilityK,
      selection: 'stability',
      reason: `k = ${stabilityK} gives the most reproducible segments (mean adjusted Rand index ${at.toFixed(3)} between bootstrap fits${stabilityK !== stable.find((s) => s.stability === bestStability)?.k ? `, within ${STABILITY_TOLERANCE} of the best ${bestStability.toFixed(3)}: the largest such k` : ''}); elbow ${elbowK ?? 'none'}, ${silText}.`,
    };
  }
  if (requested === 'elbow' || requested === 'stability') {
    if (elbowK !== null) return { ...base, chosenK: elbowK, selection: 'elbow', reason: `k = ${elbowK} is the elbow of the inertia curve (Kneedle); ${silText}.` };
    if (silhouetteK !== null)
      return {
        ...base,
        chosenK: silhouetteK,
        selection: 'silhouette',
        reason: `the inertia curve has no elbow (${elbowReason}), so k = ${silhouetteK} was chosen by silhouette instead (${silText}).`,
      };
  } else {
    if (silhouetteK !== null)
      return { ...base, chosenK: silhouetteK, selection: 'silhouette', reason: `k = ${silhouetteK} has the ${silText.replace(/ at k = \d+$/, '')}; the elbow is ${elbowK ?? 'absent'}.` };
    if (elbowK !== null) return { ...base, chosenK: elbowK, selection: 'elbow', reason: `no silhouette is finite, so k = ${elbowK} was chosen by the elbow of the inertia curve instead.` };
  }
  const k0 = sorted[0].k;
  return { ...base, chosenK: k0, selection: 'smallest', reason: `neither rule gives an answer (${elbowReason}; ${silText}), so the smallest k scored, ${k0}, was chosen.` };
}
