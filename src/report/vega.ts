import { vegaTextWidth } from './textWidth';

/**
 * Vega-Lite specs to inline SVG, in Node, without a canvas or a DOM.
 *
 * `vega` and `vega-lite` are ES modules only, so this CommonJS package loads them with a real
 * dynamic `import()` (kept as such by TypeScript under `module: node16`), once per process.
 * Each SVG is made safe to inline next to others in one HTML document: the `xmlns` declarations
 * are dropped (the HTML parser puts `<svg>` in the SVG namespace itself, and the report must not
 * contain any URL), and the ids Vega generates (clip paths, gradients) get a per-chart prefix so
 * two charts never share one and a re-render gives the same text.
 */

/** A Vega-Lite specification, as plain JSON. */
export type VlSpec = Record<string, unknown>;

type VegaModule = typeof import('vega', { with: { 'resolution-mode': 'import' } });
type VegaLiteModule = typeof import('vega-lite', { with: { 'resolution-mode': 'import' } });

interface Libraries {
  vega: VegaModule;
  vegaLite: VegaLiteModule;
}

let loading: Promise<Libraries> | undefined;

async function libraries(): Promise<Libraries> {
  loading ??= (async () => {
    const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
    // Replace Vega's 0.8 em per character guess (used when node-canvas is absent) by real font metrics.
    // `textMetrics` is exported by vega-scenegraph (re-exported by vega) but missing from the typings.
    (vega as unknown as { textMetrics: { width: typeof vegaTextWidth } }).textMetrics.width = vegaTextWidth;
    return { vega, vegaLite };
  })();
  return loading;
}

/** The report's font stack: Liberation Sans is metric-compatible with Arial (see textWidth.ts). */
export const FONT = '"Liberation Sans", Arial, Helvetica, sans-serif';

/** Shared look of every chart. */
export const CHART_CONFIG = {
  font: FONT,
  background: '#ffffff',
  padding: 4,
  view: { stroke: null },
  axis: {
    labelFontSize: 11,
    titleFontSize: 12,
    titleFontWeight: 'normal',
    titleColor: '#3b4351',
    labelColor: '#4b5563',
    gridColor: '#eceff3',
    domainColor: '#9aa3af',
    tickColor: '#9aa3af',
    labelLimit: 220,
  },
  legend: { labelFontSize: 11, titleFontSize: 12, titleFontWeight: 'normal', labelLimit: 360, symbolSize: 90 },
  header: { labelFontSize: 12, labelColor: '#1f2937', titleFontSize: 12 },
  title: { fontSize: 13, anchor: 'start', color: '#1f2937', fontWeight: 'bold' },
  text: { fontSize: 11 },
  // No per-item ARIA text (one label per bar, cell and bin would be a third of the report's size);
  // axes and legends keep theirs, and every chart has a caption.
  mark: { aria: false },
} as const;

/** Messages Vega-Lite or Vega reported while building a chart (bad field, dropped encoding...). */
export type WarningSink = (message: string) => void;

function logger(chart: string, warn: WarningSink) {
  let level = 2;
  const say = (...args: unknown[]) => warn(`${chart}: ${args.map(String).join(' ')}`);
  const self = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return self;
    },
    error: (...a: unknown[]) => (say('error', ...a), self),
    warn: (...a: unknown[]) => (say(...a), self),
    info: () => self,
    debug: () => self,
  };
  return self;
}

/**
 * Renames the ids Vega generated inside the SVG's tags (never text content: Vega escapes `<`) to
 * `<prefix>-<n>`, numbered in order of first appearance: Vega's own counters are global to the
 * process, so its ids would differ between two renders of the same chart.
 */
function scopeIds(svg: string, prefix: string): string {
  const names = new Map<string, string>();
  const rename = (id: string): string => {
    let n = names.get(id);
    if (n === undefined) names.set(id, (n = `${prefix}-${names.size + 1}`));
    return n;
  };
  const gen = '(clip\\d+|p_gradient_\\d+|gradient_\\d+|pattern_\\d+)';
  const idAttr = new RegExp(` id="${gen}"`, 'g');
  const ref = new RegExp(`url\\(#${gen}\\)`, 'g');
  return svg.replace(/<[^<>]*>/g, (tag) => tag.replace(idAttr, (_m, id: string) => ` id="${rename(id)}"`).replace(ref, (_m, id: string) => `url(#${rename(id)})`));
}

/** Drops the namespace declarations of the root element (HTML does not need them). */
function dropNamespaces(svg: string): string {
  return svg.replace(/^<svg\b[^>]*>/, (tag) => tag.replace(/ xmlns(:xlink)?="[^"]*"/g, ''));
}

/**
 * Compiles `spec` (with the shared config merged under its own) and renders it to SVG text.
 * `name` scopes the SVG's ids and names the chart in warnings.
 */
export async function renderSvg(name: string, spec: VlSpec, warn: WarningSink = () => undefined): Promise<string> {
  const { vega, vegaLite } = await libraries();
  const full = { ...spec, config: { ...CHART_CONFIG, ...((spec.config as object | undefined) ?? {}) } };
  const log = logger(name, warn);
  const compiled = vegaLite.compile(full as Parameters<VegaLiteModule['compile']>[0], { logger: log }).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logger: log as never });
  try {
    const svg = await view.toSVG();
    return scopeIds(dropNamespaces(svg), `ch-${name}`);
  } finally {
    view.finalize();
  }
}
