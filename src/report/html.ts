/**
 * HTML text building. Every piece of user-provided text (column names, category values, labels,
 * paths, SQL) goes through `esc` or `jsonScript`; nothing else in the report writes raw text.
 */

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for an HTML text node or a quoted attribute value. */
export function esc(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

/**
 * JSON safe inside `<script type="application/json">`: `<`, `>` and `&` become \\u escapes (so
 * neither `</script>` nor `<!--` can occur), as do U+2028 / U+2029. `JSON.parse` of the element's
 * text gives back `value` exactly.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** The `<script type="application/json" data-chart-data="name">` element holding a chart's data. */
export function chartDataScript(name: string, data: unknown): string {
  return `<script type="application/json" data-chart-data="${esc(name)}">${jsonForScript(data)}</script>`;
}

/** A table from a header row and body rows of already-escaped HTML cells. */
export function table(head: string[], rows: string[][], className = ''): string {
  const cls = className ? ` class="${esc(className)}"` : '';
  const th = head.map((h) => `<th scope="col">${h}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table${cls}><thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

/** `<code>` around escaped text. */
export function code(text: unknown): string {
  return `<code>${esc(text)}</code>`;
}
