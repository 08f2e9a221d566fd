import type { SummaryFile } from '../activities/finish';
import type { CategoricalProfile, ContinuousProfile, FeatureProfile, SegmentSummary } from '../segmentation/explain';
import { renderChart } from './chart';
import { distanceSharesChart } from './chartsFeatures';
import { count, num, pct } from './format';
import { esc } from './html';
import { segmentColor, segmentName } from './palette';
import { CARD_FEATURES, overRepresented } from './select';
import type { WarningSink } from './vega';

/**
 * One profile card per segment: its number, generated label and size, the features that set it
 * apart (ranked by their share of the centroid's distance from the average customer) with the
 * segment's values against everyone's, and the distance-share chart.
 */

/** A trait of a segment in words: the feature, the segment's value and the population's. */
export interface Trait {
  readonly feature: string;
  /** Share of the segment's centroid distance from the mean due to this feature. */
  readonly distanceShare: number;
  /** `median 2,410` or `= gold: 41%` */
  readonly segmentValue: string;
  /** `380` or `16%` */
  readonly populationValue: string;
  readonly direction: 'higher' | 'lower' | 'same';
  /** Middle half of the segment's values (continuous), e.g. `1,900 to 3,100`. */
  readonly range: string | null;
}

function quantileAt(levels: number[], values: number[], level: number): number | null {
  const i = levels.findIndex((l) => Math.abs(l - level) < 1e-9);
  return i >= 0 && i < values.length ? values[i] : null;
}

function continuousTrait(p: ContinuousProfile, s: number, share: number): Trait {
  const seg = p.segments[s];
  const pop = p.population;
  const [sm, pm] = [seg.median ?? 0, pop.median ?? 0];
  const [a, b] = [seg.mean ?? 0, pop.mean ?? 0];
  const direction = sm > pm || (sm === pm && a > b) ? 'higher' : sm < pm || (sm === pm && a < b) ? 'lower' : 'same';
  const q1 = quantileAt(p.quantileLevels, seg.quantiles, 0.25);
  const q3 = quantileAt(p.quantileLevels, seg.quantiles, 0.75);
  return {
    feature: p.feature,
    distanceShare: share,
    segmentValue: `median ${num(seg.median)}`,
    populationValue: num(pop.median),
    direction,
    range: q1 !== null && q3 !== null ? `${num(q1)} to ${num(q3)}` : null,
  };
}

function categoricalTrait(p: CategoricalProfile, s: number, share: number): Trait {
  const j = overRepresented(p, s);
  const segShare = p.segments[s].shares[j];
  const popShare = p.population.shares[j];
  return {
    feature: p.feature,
    distanceShare: share,
    segmentValue: `= ${p.categories[j]}: ${pct(segShare, 0)}`,
    populationValue: pct(popShare, 0),
    direction: segShare > popShare ? 'higher' : segShare < popShare ? 'lower' : 'same',
    range: null,
  };
}

/** The features that set segment `seg` apart, most distinctive first (at most `max`, shares > 0.5%). */
export function traits(seg: SegmentSummary, profiles: ReadonlyMap<string, FeatureProfile>, position: number, max = CARD_FEATURES): Trait[] {
  const out: Trait[] = [];
  for (const f of seg.distanceShares) {
    if (out.length >= max || f.share < 0.005) break;
    const p = profiles.get(f.feature);
    if (p === undefined) continue;
    out.push(p.kind === 'continuous' ? continuousTrait(p, position, f.share) : categoricalTrait(p, position, f.share));
  }
  return out;
}

const ARROW = { higher: '&#9650;', lower: '&#9660;', same: '&#9679;' } as const;

function traitHtml(t: Trait): string {
  const range = t.range ? `<span class="range">middle half ${esc(t.range)}</span>` : '';
  return `<li class="${t.direction}"><span class="arrow" aria-hidden="true">${ARROW[t.direction]}</span><span class="feature">${esc(t.feature)}</span> <span class="value">${esc(t.segmentValue)}</span> <span class="vs">vs ${esc(t.populationValue)} overall</span>${range}</li>`;
}

/**
 * Why customers are in this segment rather than the nearest other one: the features with the
 * largest shares of the mean assignment margin (attribution.ts). Empty for older summaries.
 */
function whyHere(summary: SummaryFile, segment: number): string {
  const a = summary.explanation.attribution?.find((x) => x.segment === segment);
  if (!a || a.rows === 0 || a.nearestOther < 0) return '';
  const top = a.features.filter((f) => f.share >= 0.005).slice(0, 3);
  if (top.length === 0) return '';
  const parts = top.map((f) => `<b>${esc(f.feature)}</b> ${pct(f.share, 0)}`).join(', ');
  return `<p class="why">Why its customers are here and not in ${esc(segmentName(a.nearestOther))}: ${parts} of what separates them.</p>`;
}

/** All profile cards, in segment order. */
export async function profileCards(summary: SummaryFile, warn?: WarningSink): Promise<string> {
  const profiles = new Map(summary.explanation.features.map((p) => [p.feature, p] as const));
  const cards: string[] = [];
  for (const [position, seg] of summary.explanation.segments.entries()) {
    const list = traits(seg, profiles, position);
    const chart = await renderChart(distanceSharesChart(seg), warn);
    cards.push(`<article class="card" id="segment-${seg.segment}" style="--seg: ${segmentColor(seg.segment)}">
<header><span class="chip">${esc(segmentName(seg.segment))}</span><h3>${esc(seg.label)}</h3>
<p class="size"><strong>${count(seg.size)}</strong> customers &middot; <strong>${pct(seg.share)}</strong> of all</p></header>
<h4>What sets it apart</h4>
${list.length ? `<ul class="traits">${list.map(traitHtml).join('\n')}</ul>` : '<p class="muted">No feature sets this segment apart from the average customer.</p>'}
${chart}
${whyHere(summary, seg.segment)}
</article>`);
  }
  return `<div class="cards">\n${cards.join('\n')}\n</div>`;
}
