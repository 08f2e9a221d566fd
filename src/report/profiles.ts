import type { SummaryFile } from '../activities/finish';
import type { CategoricalProfile, ContinuousProfile, FeatureProfile } from '../segmentation/explain';
import { segmentDistinctions, type Distinction } from '../segmentation/labels';
import { renderChart } from './chart';
import { distanceSharesChart } from './chartsFeatures';
import { count, num, pct } from './format';
import { esc } from './html';
import { asIs, namer, type Namer } from './names';
import { segmentColor, segmentName } from './palette';
import { ruleOfThumb } from './rules';
import { CARD_FEATURES } from './select';
import type { WarningSink } from './vega';

/**
 * One profile card per segment: its number, generated label and size, the features that set it
 * apart from the other segments (segmentation/labels.ts: the features its name is made from,
 * only those on which it clearly differs from the average customer) with the segment's values
 * against everyone's, the distance-share chart, why its customers are not in the nearest other
 * segment, and a rule of thumb that finds its customers when the summary has one.
 */

/** A trait of a segment in words: the feature, the segment's value and the population's. */
export interface Trait {
  readonly feature: string;
  /** The feature's name as shown (the run's human name, else the column name). */
  readonly name: string;
  /** How far the segment is from the average customer on it, in standard deviations. */
  readonly deviation: number;
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

function continuousTrait(p: ContinuousProfile, s: number, d: Distinction, name: string): Trait {
  const seg = p.segments[s];
  const pop = p.population;
  const [sm, pm] = [seg.median ?? 0, pop.median ?? 0];
  const [a, b] = [seg.mean ?? 0, pop.mean ?? 0];
  const direction = sm > pm || (sm === pm && a > b) ? 'higher' : sm < pm || (sm === pm && a < b) ? 'lower' : 'same';
  const q1 = quantileAt(p.quantileLevels, seg.quantiles, 0.25);
  const q3 = quantileAt(p.quantileLevels, seg.quantiles, 0.75);
  return {
    feature: p.feature,
    name,
    deviation: d.deviation,
    segmentValue: `median ${num(seg.median)}`,
    populationValue: num(pop.median),
    direction,
    range: q1 !== null && q3 !== null ? `${num(q1)} to ${num(q3)}` : null,
  };
}

function categoricalTrait(p: CategoricalProfile, s: number, d: Distinction, name: string): Trait {
  const j = Math.max(0, p.categories.indexOf(d.category ?? ''));
  const segShare = p.segments[s].shares[j];
  const popShare = p.population.shares[j];
  return {
    feature: p.feature,
    name,
    deviation: d.deviation,
    segmentValue: `= ${p.categories[j]}: ${pct(segShare, 0)}`,
    populationValue: pct(popShare, 0),
    direction: segShare > popShare ? 'higher' : segShare < popShare ? 'lower' : 'same',
    range: null,
  };
}

/**
 * The features that set the segment at `position` apart, most distinctive first: at most `max`,
 * only those on which it clearly differs from the average customer (`distinguishes`).
 */
export function traits(profiles: readonly FeatureProfile[], position: number, max = CARD_FEATURES, name: Namer = asIs): Trait[] {
  return segmentDistinctions(profiles, position)
    .filter((d) => d.distinguishes)
    .slice(0, max)
    .map((d) => {
      const p = profiles[d.index];
      return p.kind === 'continuous' ? continuousTrait(p, position, d, name(p.feature)) : categoricalTrait(p, position, d, name(p.feature));
    });
}

const ARROW = { higher: '&#9650;', lower: '&#9660;', same: '&#9679;' } as const;

function traitHtml(t: Trait): string {
  const range = t.range ? `<span class="range">middle half ${esc(t.range)}</span>` : '';
  return `<li class="${t.direction}"><span class="arrow" aria-hidden="true">${ARROW[t.direction]}</span><span class="feature">${esc(t.name)}</span> <span class="value">${esc(t.segmentValue)}</span> <span class="vs">vs ${esc(t.populationValue)} overall</span>${range}</li>`;
}

/**
 * Why customers are in this segment rather than the nearest other one: the features with the
 * largest shares of the mean assignment margin (attribution.ts). Empty for older summaries.
 */
function whyHere(summary: SummaryFile, segment: number, name: Namer): string {
  const a = summary.explanation.attribution?.find((x) => x.segment === segment);
  if (!a || a.rows === 0 || a.nearestOther < 0) return '';
  const top = a.features.filter((f) => f.share >= 0.005).slice(0, 3);
  if (top.length === 0) return '';
  const parts = top.map((f) => `<b>${esc(name(f.feature))}</b> ${pct(f.share, 0)}`).join(', ');
  return `<p class="why">Why its customers are here and not in ${esc(segmentName(a.nearestOther))}: ${parts} of what separates them.</p>`;
}

/** All profile cards, in segment order. */
export async function profileCards(summary: SummaryFile, warn?: WarningSink): Promise<string> {
  const name = namer(summary);
  const profiles = summary.explanation.features;
  const cards: string[] = [];
  for (const [position, seg] of summary.explanation.segments.entries()) {
    const list = traits(profiles, position, CARD_FEATURES, name);
    const chart = await renderChart(distanceSharesChart(seg, name), warn);
    cards.push(`<article class="card" id="segment-${seg.segment}" style="--seg: ${segmentColor(seg.segment)}">
<header><span class="chip">${esc(segmentName(seg.segment))}</span><h3>${esc(seg.label)}</h3>
<p class="size"><strong>${count(seg.size)}</strong> customers &middot; <strong>${pct(seg.share)}</strong> of all</p></header>
<h4>What sets it apart</h4>
${list.length ? `<ul class="traits">${list.map(traitHtml).join('\n')}</ul>` : '<p class="muted">No feature sets this segment clearly apart from the average customer.</p>'}
${ruleOfThumb(summary, seg.segment, name)}
${chart}
${whyHere(summary, seg.segment, name)}
</article>`);
  }
  return `<div class="cards">\n${cards.join('\n')}\n</div>`;
}
