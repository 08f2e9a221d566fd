import { chartDataScript, esc } from './html';
import { renderSvg, type VlSpec, type WarningSink } from './vega';

/**
 * One chart of the report: a name (the `data-chart` attribute, `[a-z0-9-]` only), the data it
 * shows (embedded as JSON next to the SVG, so a test or a person can compare it with
 * summary.json), and the Vega-Lite spec drawing that data.
 */
export interface ChartDef {
  readonly name: string;
  /** Plain text; escaped when rendered. */
  readonly title: string;
  /** Plain text under the chart; escaped when rendered. */
  readonly caption?: string;
  readonly data: unknown;
  readonly spec: VlSpec;
  /** Extra CSS class of the figure (layout). */
  readonly className?: string;
}

const NAME = /^[a-z0-9-]+$/;

/** The `<figure data-chart>` with the inline SVG, followed by its data element. */
export async function renderChart(def: ChartDef, warn?: WarningSink): Promise<string> {
  if (!NAME.test(def.name)) throw new RangeError(`chart name ${JSON.stringify(def.name)} must match ${NAME}`);
  const svg = await renderSvg(def.name, def.spec, warn);
  const cls = def.className ? `chart ${def.className}` : 'chart';
  const caption = def.caption ? `<p class="caption">${esc(def.caption)}</p>` : '';
  return [
    `<figure class="${esc(cls)}" data-chart="${def.name}">`,
    `<figcaption>${esc(def.title)}</figcaption>`,
    `<div class="svg">${svg}</div>`,
    caption,
    `</figure>`,
    chartDataScript(def.name, def.data),
  ].join('\n');
}
