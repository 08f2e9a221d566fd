/** Reading a rendered report back in tests, without a DOM: the chart figures and their embedded data. */

export interface ChartInHtml {
  readonly name: string;
  /** The figure's markup (figcaption, SVG, caption). */
  readonly figure: string;
  /** The parsed `data-chart-data` JSON. */
  readonly data: unknown;
}

/** Every `<figure data-chart>` with its `<script type="application/json" data-chart-data>` (which must follow it). */
export function chartsIn(html: string): Map<string, ChartInHtml> {
  const out = new Map<string, ChartInHtml>();
  const re = /<figure class="[^"]*" data-chart="([a-z0-9-]+)">([\s\S]*?)<\/figure>\s*<script type="application\/json" data-chart-data="([a-z0-9-]+)">([\s\S]*?)<\/script>/g;
  for (const m of html.matchAll(re)) {
    if (m[1] !== m[3]) throw new Error(`chart ${m[1]} is followed by the data of ${m[3]}`);
    if (out.has(m[1])) throw new Error(`chart ${m[1]} appears twice`);
    out.set(m[1], { name: m[1], figure: m[2], data: JSON.parse(m[4]) });
  }
  return out;
}

/** The plain numbers of a JSON value rounded to 12 significant digits (for float comparisons after serialisation). */
export function rounded<T>(v: T): T {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'number' && Number.isFinite(x) ? Number(x.toPrecision(12)) : x))) as T;
}
