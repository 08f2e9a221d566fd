import type { SummaryFile } from '../activities/finish';
import { renderChart, type ChartDef } from './chart';
import { kCharts, kSentence, sizesChart, transitionsChart } from './chartsRun';
import { boxPlotChart, importanceChart } from './chartsDrivers';
import { categoricalChart, compactnessChart, continuousChart } from './chartsFeatures';
import { count, pct } from './format';
import { esc } from './html';
import { namer } from './names';
import { profileCards } from './profiles';
import { indistinct, MAX_FEATURE_CHARTS, MAX_HEATMAP_FEATURES, rankCategorical, rankContinuous } from './select';
import { CSS } from './style';
import { dictionaryTable, importanceTable, parametersTable, timingsTable } from './tables';
import type { WarningSink } from './vega';

export interface RenderOptions {
  /** Called with each warning Vega-Lite or Vega gives while drawing (none are expected). */
  readonly onWarning?: WarningSink;
}

/**
 * Nothing may be fetched or run: the report is one file that opens offline. The policy makes a
 * browser refuse any request or script should anything slip into the text.
 */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

async function charts(defs: ChartDef[], warn: WarningSink | undefined): Promise<string> {
  const out: string[] = [];
  for (const d of defs) out.push(await renderChart(d, warn));
  return out.join('\n');
}

function section(id: string, title: string, lead: string, body: string): string {
  return `<section id="${id}">\n<h2>${esc(title)}</h2>\n${lead ? `<p class="lead">${lead}</p>\n` : ''}${body}\n</section>`;
}

function sourceName(s: SummaryFile['config']['source']): string {
  return s.kind === 'table' ? s.table : s.kind === 'file' ? (s.path.split(/[\\/]/).pop() ?? s.path) : 'a SQL query';
}

/** The whole report as one self-contained HTML document (inline CSS and SVG, no script, no URL). */
export async function renderReport(summary: SummaryFile, options: RenderOptions = {}): Promise<string> {
  const warn = options.onWarning;
  const e = summary.explanation;
  const name = namer(summary);
  const categorical = rankCategorical(e).slice(0, MAX_FEATURE_CHARTS);
  const continuous = rankContinuous(e).slice(0, MAX_FEATURE_CHARTS);
  const compactness = compactnessChart(e, MAX_HEATMAP_FEATURES, name);
  const importance = importanceChart(e, name);
  const boxes = continuous.map((p, i) => boxPlotChart(p, i, name)).filter((c): c is ChartDef => c !== null);
  const left = indistinct(e).map((p) => name(p.feature));
  const transitions = transitionsChart(summary);
  const largest = summary.segments.reduce((a, s) => (s.size > a.size ? s : a), summary.segments[0]);

  const overview = section(
    'sizes',
    'Segments at a glance',
    `${count(summary.rows)} customers were split into <strong>${summary.k} segments</strong>. Each segment&rsquo;s name is generated from the features that set it apart the most.${largest ? ` The largest, segment ${largest.segment}, holds ${pct(largest.share)} of customers.` : ''}`,
    await charts([sizesChart(summary)], warn),
  );
  const profiles = section(
    'profiles',
    'Segment profiles',
    'For each segment: the features that set it apart from the other segments (its name is made from the first of them), the segment&rsquo;s typical value against everyone&rsquo;s, and how much each feature contributes to its difference from the average customer.',
    await profileCards(summary, warn),
  );
  const features = section(
    'features',
    'What distinguishes the segments',
    `Which features the segmentation rests on, then the features that set some segment clearly apart from the average customer: ${categorical.length ? 'the categorical ones that best tell segments apart, then ' : ''}the numeric ones on which some segment is most concentrated, at most ${MAX_FEATURE_CHARTS} of each.${
      left.length ? ` Not shown: ${esc(left.join(', '))} (no segment differs clearly from the average customer on ${left.length > 1 ? 'them' : 'it'}).` : ''
    }`,
    [
      importance ? `${await charts([importance], warn)}\n${importanceTable(summary)}` : '',
      categorical.length
        ? `<h3>Categorical features</h3>\n<div class="row">\n${await charts(
            categorical.map((p, i) => categoricalChart(p, i, name)),
            warn,
          )}\n</div>`
        : '',
      continuous.length
        ? `<h3>Numeric features</h3>\n${boxes.length ? `<div class="row">\n${await charts(boxes, warn)}\n</div>\n` : ''}${await charts(
            continuous.map((p, i) => continuousChart(p, i, e, name)),
            warn,
          )}`
        : '',
      compactness ? await charts([compactness], warn) : '',
    ].join('\n'),
  );
  const kDefs = kCharts(summary);
  const choice = section(
    'choice',
    'How the number of segments was chosen',
    '',
    `<p class="choice">${esc(kSentence(summary).sentence)}<span class="detail">${esc(kSentence(summary).detail)}</span></p>\n${kDefs.length ? `<div class="row">\n${await charts(kDefs, warn)}\n</div>` : '<p class="muted">No k was scored.</p>'}`,
  );
  const movement = section(
    'movement',
    'Movement since the previous run',
    transitions ? '' : 'No previous run wrote to this output, so there is nothing to compare with yet.',
    transitions ? await charts([transitions], warn) : '',
  );
  const dictionary = section('dictionary', 'Data dictionary', 'Every column of the input and what was done with it.', dictionaryTable(summary));
  const params = section('parameters', 'Run parameters', '', `<div class="grid2"><div>${parametersTable(summary)}</div><div><h3>Time per stage</h3>${timingsTable(summary)}</div></div>`);

  const toc = [
    ['sizes', 'Overview'],
    ['profiles', 'Profiles'],
    ['features', 'Features'],
    ['choice', 'Choice of k'],
    ['movement', 'Movement'],
    ['dictionary', 'Data dictionary'],
    ['parameters', 'Parameters'],
  ]
    .map(([id, t]) => `<a href="#${id}">${t}</a>`)
    .join('');
  const kpi = (v: string, label: string) => `<div class="kpi"><b>${v}</b><span>${label}</span></div>`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="autoseg">
<title>Customer segments: ${esc(summary.runId)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><div class="page">
<h1>Customer segments</h1>
<p>${esc(sourceName(summary.config.source))} &middot; run ${esc(summary.runId)} &middot; ${esc(summary.createdAt)}</p>
${summary.choice.structure?.weak ? `<p class="weak-structure" role="note"><b>Weak cluster structure.</b> ${esc(summary.choice.structure.note ?? '')}</p>\n` : ''}<div class="kpis">${kpi(count(summary.rows), 'customers')}${kpi(String(summary.k), 'segments')}${kpi(count(summary.features), 'features used')}${kpi(summary.movedSincePrevious === null || summary.movedSincePrevious === undefined ? 'first run' : count(summary.movedSincePrevious), 'changed segment since last run')}</div>
</div></header>
<div class="page">
<nav class="toc">${toc}</nav>
${overview}
${profiles}
${features}
${choice}
${movement}
${dictionary}
${params}
<footer>Generated by autoseg from <code>summary.json</code>. This file is self-contained: it opens offline and loads nothing.</footer>
</div>
</body>
</html>
`;
}
