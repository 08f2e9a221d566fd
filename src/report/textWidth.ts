/**
 * Text widths for chart layout without a canvas. Vega measures text with node-canvas when it is
 * installed and otherwise estimates 0.8 em per character, which is about 50% too wide for a
 * proportional font: axis labels get too much room and legend labels are cut short. This
 * estimate uses the advance widths of Arial / Liberation Sans (metric-compatible, the report's
 * first fonts), so layout matches what a browser draws to within a few percent.
 */

/** Advance widths in 1/1000 em of printable ASCII (0x20 .. 0x7e), Arial / Liberation Sans regular. */
const ASCII = [
  278,
  278,
  355,
  556,
  556,
  889,
  667,
  191,
  333,
  333,
  389,
  584,
  278,
  333,
  278,
  278, // space .. /
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  556,
  278,
  278,
  584,
  584,
  584,
  556, // 0 .. ?
  1015,
  667,
  667,
  722,
  722,
  667,
  611,
  778,
  722,
  278,
  500,
  667,
  556,
  833,
  722,
  778, // @ .. O
  667,
  778,
  722,
  667,
  611,
  722,
  667,
  944,
  667,
  667,
  611,
  278,
  278,
  278,
  469,
  556, // P .. _
  333,
  556,
  556,
  500,
  556,
  556,
  278,
  556,
  556,
  222,
  222,
  500,
  222,
  833,
  556,
  556, // ` .. o
  556,
  556,
  333,
  500,
  278,
  556,
  500,
  722,
  500,
  500,
  500,
  334,
  260,
  334,
  584, // p .. ~
];

/** Bold glyphs of Arial are about this much wider on average. */
const BOLD = 1.08;

/** Width of one code point in em (wide East Asian characters take a full em). */
function charEm(cp: number): number {
  if (cp >= 0x20 && cp <= 0x7e) return ASCII[cp - 0x20] / 1000;
  if (cp === 0x2026) return 1; // ellipsis
  if ((cp >= 0x1100 && cp <= 0x115f) || (cp >= 0x2e80 && cp <= 0xa4cf) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0xff00 && cp <= 0xff60) || cp >= 0x1f300) return 1;
  return 0.6;
}

/** Estimated width in px of `text` at `fontSize` px. */
export function textWidth(text: string, fontSize: number, bold = false): number {
  let em = 0;
  for (const ch of text) em += charEm(ch.codePointAt(0) ?? 0x20);
  return em * fontSize * (bold ? BOLD : 1);
}

/** The scenegraph item fields Vega passes to `textMetrics.width`. */
interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

/**
 * A drop-in for Vega's `textMetrics.width(item, text)`: Vega calls it both to truncate text to an
 * item's `limit` and to size the (already limited) text, so a limited text is at most `limit` wide.
 */
export function vegaTextWidth(item: TextItem, text: unknown): number {
  const s = text == null ? '' : String(text).trim();
  const size = typeof item.fontSize === 'number' ? item.fontSize : 11;
  const w = textWidth(s, size, item.fontWeight === 'bold' || (typeof item.fontWeight === 'number' && item.fontWeight >= 600));
  const limit = typeof item.limit === 'number' ? item.limit : 0;
  return limit > 0 && w > limit ? limit : w;
}
