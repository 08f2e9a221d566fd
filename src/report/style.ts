import { FONT } from './vega';

/** The report's stylesheet: inline, no web fonts, readable on screen and on paper. */
export const CSS = `
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --bg: #f5f6f8; --card: #ffffff; --accent: #4e79a7; }
* { box-sizing: border-box; }
html { background: var(--bg); }
body { margin: 0; font-family: ${FONT}; color: var(--ink); font-size: 15px; line-height: 1.5; }
.page { max-width: 1240px; margin: 0 auto; padding: 0 28px 48px; }
header.top { background: #1f2d3d; color: #fff; padding: 28px 0 22px; margin-bottom: 8px; }
header.top .page { padding-bottom: 0; }
header.top h1 { margin: 0 0 6px; font-size: 30px; letter-spacing: -0.01em; }
header.top p { margin: 0; color: #cfd8e3; }
header.top p.weak-structure { margin-top: 14px; padding: 10px 14px; border-radius: 8px; background: #fff4d6; color: #5a4300; max-width: 980px; }
.kpis { display: flex; flex-wrap: wrap; gap: 12px; margin-top: 18px; }
.kpi { background: rgba(255,255,255,0.08); border-radius: 8px; padding: 10px 16px; min-width: 150px; }
.kpi b { display: block; font-size: 24px; color: #fff; }
.kpi span { color: #cfd8e3; font-size: 13px; }
nav.toc { display: flex; flex-wrap: wrap; gap: 6px 18px; padding: 12px 0; font-size: 14px; border-bottom: 1px solid var(--line); }
nav.toc a { color: var(--accent); text-decoration: none; }
section { margin-top: 34px; }
h2 { font-size: 22px; margin: 0 0 6px; }
h2 + p.lead { margin-top: 0; }
p.lead { color: #374151; max-width: 900px; }
.muted, .caption { color: var(--muted); font-size: 13px; }
figure.chart { margin: 0 0 18px; background: var(--card); border: 1px solid var(--line); border-radius: 10px; padding: 14px 16px 10px; overflow-x: auto; }
figure.chart figcaption { font-weight: bold; font-size: 15px; margin-bottom: 8px; }
figure.chart .svg svg { display: block; max-width: 100%; height: auto; }
figure.chart p.caption { margin: 8px 0 0; max-width: 900px; }
.row { display: flex; flex-wrap: wrap; gap: 18px; align-items: stretch; }
.row > figure.half { flex: 1 1 480px; }
.choice { background: #eef4fb; border-left: 4px solid var(--accent); padding: 12px 16px; border-radius: 6px; margin: 12px 0 18px; max-width: 980px; }
.choice .detail { display: block; margin-top: 4px; color: var(--muted); font-size: 13px; }
.cards { display: grid; grid-template-columns: repeat(auto-fill, minmax(360px, 1fr)); gap: 18px; }
.card { background: var(--card); border: 1px solid var(--line); border-top: 6px solid var(--seg); border-radius: 10px; padding: 14px 18px 8px; }
.card header { margin-bottom: 6px; }
.card .chip { display: inline-block; background: var(--seg); color: #fff; font-weight: bold; font-size: 12px; padding: 2px 10px; border-radius: 999px; text-shadow: 0 0 2px rgba(0,0,0,0.35); }
.card h3 { margin: 8px 0 2px; font-size: 17px; line-height: 1.3; word-break: break-word; }
.card .size { margin: 0; color: #374151; }
.card h4 { margin: 12px 0 4px; font-size: 13px; text-transform: uppercase; letter-spacing: 0.04em; color: var(--muted); }
.traits { list-style: none; padding: 0; margin: 0 0 8px; }
.traits li { padding: 5px 0; border-bottom: 1px dashed var(--line); }
.traits li:last-child { border-bottom: 0; }
.traits .arrow { display: inline-block; width: 18px; font-size: 11px; }
.traits .higher .arrow { color: #2f855a; }
.traits .lower .arrow { color: #c05621; }
.traits .same .arrow { color: var(--muted); }
.traits .feature { font-weight: bold; word-break: break-word; }
.traits .vs { color: var(--muted); }
.traits .range { display: block; margin-left: 18px; font-size: 12px; color: var(--muted); }
.card figure.chart { border: 0; padding: 4px 0 0; margin: 6px 0 4px; }
.card figure.chart figcaption { font-size: 13px; font-weight: normal; color: var(--muted); }
.card .why { margin: 4px 0 8px; font-size: 13px; color: #374151; }
.card .rule { margin: 4px 0 8px; font-size: 13px; color: #374151; background: #f5f7fa; border-left: 3px solid var(--seg); padding: 6px 10px; border-radius: 4px; }
.card .rule-text { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12px; word-break: break-word; }
section h4 { margin: 14px 0 4px; font-size: 14px; }
table { border-collapse: collapse; background: var(--card); border: 1px solid var(--line); border-radius: 8px; font-size: 14px; width: 100%; }
th, td { text-align: left; vertical-align: top; padding: 7px 10px; border-bottom: 1px solid var(--line); }
thead th { background: #f0f2f5; font-size: 13px; }
table.dictionary td:nth-child(5) { max-width: 520px; }
table.params th { width: 300px; font-weight: normal; color: #374151; background: #fafbfc; }
table.timings { max-width: 640px; }
table.timings td:nth-child(3) { width: 50%; }
.bar { display: inline-block; height: 10px; background: var(--accent); border-radius: 2px; min-width: 1px; }
code { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 0.88em; background: #f0f2f5; padding: 1px 4px; border-radius: 4px; word-break: break-word; }
pre.sql { white-space: pre-wrap; font-size: 13px; background: #f0f2f5; padding: 8px; border-radius: 6px; margin: 4px 0 0; }
.tag { font-size: 12px; padding: 1px 8px; border-radius: 999px; white-space: nowrap; }
.tag.kept { background: #def7e5; color: #22603a; }
.tag.dropped { background: #fde2e1; color: #9b2c2c; }
.tag.id { background: #e0e9f6; color: #2c4f7c; }
.warnings { margin-top: 12px; background: #fff8e6; border: 1px solid #f6d98b; border-radius: 8px; padding: 6px 16px; }
.grid2 { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr); gap: 18px; align-items: start; }
footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
@media (max-width: 900px) { .grid2 { grid-template-columns: 1fr; } }
@media print { html { background: #fff; } header.top { background: #fff; color: var(--ink); } header.top p, .kpi span { color: var(--muted); } .kpi b { color: var(--ink); } figure.chart, .card { break-inside: avoid; } nav.toc { display: none; } }
`;
