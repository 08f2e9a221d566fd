import type { SummaryFile } from '../activities/finish';
import { pct } from './format';
import { esc } from './html';
import { asIs, type Namer } from './names';

/**
 * A segment's rule of thumb on its profile card: a short rule on the customers' own values that
 * finds most of the segment (summary.explanation.rules, one per segment, when the run made them),
 * with how much of the segment it catches (coverage) and how many of the customers it matches
 * are in the segment (precision). Read through a narrow local shape, so summaries without rules
 * (older runs) and with extra fields both render.
 */

export interface RuleConditionLike {
  readonly feature: string;
  readonly op: string;
  readonly value: unknown;
  /** The condition as text (`total_spend > 512`), when the summary has it. */
  readonly text?: string;
}

export interface SegmentRuleLike {
  readonly segment: number;
  readonly text: string;
  readonly conditions: RuleConditionLike[];
  /** Share of the customers matching the rule who are in the segment. */
  readonly precision: number;
  /** Share of the segment's customers the rule matches. */
  readonly coverage: number;
}

const isRule = (r: unknown): r is SegmentRuleLike => {
  const x = r as Partial<SegmentRuleLike> | null;
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof x.segment === 'number' &&
    typeof x.text === 'string' &&
    x.text !== '' &&
    typeof x.precision === 'number' &&
    typeof x.coverage === 'number' &&
    (x.conditions === undefined || Array.isArray(x.conditions))
  );
};

/** The summary's rules (none when the run made none). */
export function rulesOf(summary: Pick<SummaryFile, 'explanation'>): SegmentRuleLike[] {
  const rules = (summary.explanation as { rules?: unknown }).rules;
  return Array.isArray(rules) ? rules.filter(isRule).map((r) => ({ ...r, conditions: r.conditions ?? [] })) : [];
}

function valueText(v: unknown): string {
  if (v === null) return '(null)';
  if (Array.isArray(v)) return `(${v.map(valueText).join(', ')})`;
  return String(v);
}

/** One condition with the feature's shown name: its own text with the column name replaced, else built from op and value. */
function conditionText(c: RuleConditionLike, name: Namer): string {
  const shown = name(c.feature);
  if (typeof c.text === 'string' && c.text.startsWith(c.feature)) return `${shown}${c.text.slice(c.feature.length)}`;
  return `${shown} ${c.op} ${valueText(c.value)}`;
}

/** The rule's text; with human column names when the run gives one for a feature it uses. */
export function ruleText(rule: SegmentRuleLike, name: Namer = asIs): string {
  const renamed = rule.conditions.some((c) => name(c.feature) !== c.feature);
  return renamed && rule.conditions.length > 0 ? rule.conditions.map((c) => conditionText(c, name)).join(' and ') : rule.text;
}

/** The card's rule-of-thumb line for `segment`, or '' when the summary has no rule for it. */
export function ruleOfThumb(summary: Pick<SummaryFile, 'explanation'>, segment: number, name: Namer = asIs): string {
  const rule = rulesOf(summary).find((r) => r.segment === segment);
  if (!rule) return '';
  return `<p class="rule"><b>Rule of thumb:</b> <span class="rule-text">${esc(ruleText(rule, name))}</span> &mdash; catches ${pct(rule.coverage, 0)} of this segment, ${pct(rule.precision, 0)} of matches are in it.</p>`;
}
