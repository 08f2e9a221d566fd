import type { SummaryFile } from '../activities/finish';
import { compareValues, type BinaryEntry, type DictionaryEntry, type DropReason } from '../segmentation/dictionary';
import { count, duration, num, pct } from './format';
import { code, esc, table } from './html';
import { namer } from './names';

/**
 * The data dictionary (every input column: kept or dropped, why, how it was encoded) and the
 * run's parameters and stage timings, as HTML tables.
 */

const REASONS: Record<DropReason, string> = {
  excluded_by_user: 'Excluded in the configuration',
  excluded_default: 'Excluded by default',
  too_many_nulls: 'Too many missing values',
  constant: 'Same value on every row',
  identifier: 'Identifier-like (too unique)',
  no_frequent_value: 'No value frequent enough',
};

const valueText = (v: string | number | null): string => (v === null ? '(null)' : String(v));

/** Escaped list of values, each in `<code>`, with counts when given. */
function values(vs: { value: string | number | null; count?: number }[]): string {
  return vs.map((v) => `${code(valueText(v.value))}${v.count !== undefined ? ` (${count(v.count)})` : ''}`).join(', ');
}

function priority(e: DictionaryEntry): string {
  if (e.treatment === 'dropped') return e.priorityIgnored ? `${esc(e.priorityIgnored)} (ignored: dropped)` : '';
  if (e.treatment === 'user_id') return '';
  return e.priority ? `${esc(e.priority)} &times;${esc(num(e.factor))}` : '';
}

/** [status, used as, why / how] cells of one dictionary entry (escaped HTML). */
function describe(e: DictionaryEntry, rows: number): [string, string, string] {
  const nulls = e.nullCount > 0 ? `${count(e.nullCount)} missing (${pct(e.nullCount / Math.max(rows, 1))})` : 'no missing values';
  switch (e.treatment) {
    case 'user_id':
      return ['<span class="tag id">customer id</span>', 'Row key', 'Identifies each customer in the output; not used to form segments.'];
    case 'dropped':
      return ['<span class="tag dropped">dropped</span>', esc(REASONS[e.reason] ?? e.reason), esc(e.detail)];
    case 'continuous':
      return [
        '<span class="tag kept">kept</span>',
        'Number, scaled to 0-1',
        `Range ${esc(num(e.min))} to ${esc(num(e.max))}, median ${esc(num(e.median))}; ${nulls}${e.nullCount > 0 ? `, filled with the median` : ''}.${e.warning ? ` <strong>Warning:</strong> ${esc(e.warning)}` : ''}`,
      ];
    case 'binary':
      return ['<span class="tag kept">kept</span>', 'Two values, as one 0 / 1 indicator', binaryEncoding(e, rows)];
    case 'dummies': {
      const other = e.other
        ? ` Other: ${count(e.other.count)} rows in ${count(e.other.distinctCount)} rarer values (${values(e.other.values.slice(0, 12).map((value) => ({ value })))}${e.other.values.length > 12 || e.other.valuesTruncated ? ', ...' : ''}).`
        : '';
      const codes = e.categoricalOverride ? ', numeric codes as categories' : '';
      const top = e.keptTop ? ` ${esc(e.keptTop.detail)}.` : '';
      return ['<span class="tag kept">kept</span>', `Categories (${e.dummyCount} indicator columns${codes})`, `Own column: ${values(e.kept)}.${other}${top}`];
    }
  }
}

/**
 * A two-valued column: its values in their natural order (0 before 1, `N` before `Y`) with their
 * rows, then which value the indicator marks: 1 for `oneValue` (the less common one), 0 for
 * `zeroValue` (src/segmentation/dictionary.ts), as the engine encodes it.
 */
export function binaryEncoding(e: BinaryEntry, rows: number): string {
  const of = (n: number) => `${count(n)} rows (${pct(n / Math.max(rows, 1))})`;
  const values = [
    { v: e.zeroValue, n: e.zeroCount },
    { v: e.oneValue, n: e.oneCount },
  ].sort((a, b) => compareValues(a.v, b.v));
  const nullNote = e.nullsAs === 'zero_value' ? ` ${count(e.nullCount)} missing values count as ${code(valueText(e.zeroValue))}.` : '';
  const why = e.zeroCount === e.oneCount ? 'the two are equally common' : 'the less common value';
  return `${values.map((x) => `${code(valueText(x.v))} on ${of(x.n)}`).join(', ')}. Encoded as 1 where the value is ${code(valueText(e.oneValue))} (${why}), 0 where it is ${code(valueText(e.zeroValue))}.${nullNote}`;
}

/** The data dictionary table, one row per input column in input order. */
export function dictionaryTable(summary: SummaryFile): string {
  const d = summary.dataDictionary;
  const name = namer(summary);
  const rows = d.columns.map((e) => {
    const [status, usedAs, why] = describe(e, d.rowCount);
    const shown = name(e.column) !== e.column ? `<br><span class="muted">${esc(name(e.column))}</span>` : '';
    return [`${code(e.column)}${shown}`, esc(e.sourceType ?? e.sourceKind), status, usedAs, why, priority(e)];
  });
  const warnings = d.warnings.length ? `<div class="warnings"><h4>Warnings</h4><ul>${d.warnings.map((w) => `<li>${esc(w)}</li>`).join('')}</ul></div>` : '';
  const kept = d.columns.filter((e) => e.treatment !== 'dropped' && e.treatment !== 'user_id').length;
  const dropped = d.columns.filter((e) => e.treatment === 'dropped').length;
  return `<p>${count(d.columns.length)} input columns: ${count(kept)} used to form segments, ${count(dropped)} dropped, plus the customer id ${code(d.userId)}. Categorical values on fewer than ${pct(d.minCategoryShare, 0)} of rows are grouped as &ldquo;other&rdquo;; columns with more than ${pct(d.maxNullShare, 0)} missing values are dropped.</p>
${table(['Column', 'Type', 'Status', 'Used as', 'Why / how', 'Priority'], rows, 'dictionary')}
${warnings}`;
}

function source(s: SummaryFile['config']['source']): string {
  if (s.kind === 'table') return `Table ${code(s.table)}`;
  if (s.kind === 'sql') return `Query <pre class="sql">${esc(s.sql)}</pre>`;
  return `File ${code(s.path)}${s.table ? `, table ${code(s.table)}` : ''}`;
}

function output(o: SummaryFile['config']['output']): string {
  return o.kind === 'table' ? `Table ${code(o.table)}` : `Directory ${code(o.dir)}`;
}

/** Which engine processed the rows, why, and what the feature distributions describe. */
function engineRow(summary: SummaryFile): [string, string] {
  const e = summary.engine!;
  const mode = e.mode === 'trino' ? 'Trino pushdown' : 'worker';
  const x = summary.explanation;
  // profiledRows: a run of the previous version, whose pushdown explanations read the training sample.
  const described =
    x.profiledRows !== undefined
      ? `; segment sizes count every customer, feature distributions describe the training sample of ${count(x.profiledRows)} customers`
      : e.mode === 'trino'
        ? `; every number describes all ${count(x.rowCount)} customers (aggregated in Trino)`
        : '';
  return ['Engine', `${mode}: ${esc(e.reason)}${described}`];
}

/** The run's parameters (what was asked, with defaults filled) as a two-column table. */
export function parametersTable(summary: SummaryFile): string {
  const c = summary.config;
  const tiers = (['high', 'med', 'low'] as const).filter((t) => c.priority[t].length > 0);
  const priorities = tiers.length ? tiers.map((t) => `${t} (&times;${esc(num(c.priorityFactors[t]))}): ${c.priority[t].map(code).join(', ')}`).join('<br>') : 'none (every feature weighs the same)';
  const rows: [string, string][] = [
    ['Run', code(summary.runId)],
    ['Created', esc(summary.createdAt)],
    ['Source', source(c.source)],
    ['Output', output(c.output)],
    ['Customer id column', code(c.userId)],
    ['Customers / features', `${count(summary.rows)} customers, ${count(summary.features)} features`],
    ...(summary.engine ? [engineRow(summary)] : []),
    ['Range of k tried', `${c.kRange.min} to ${c.kRange.max}`],
    ['Number of segments', c.k !== undefined ? `${c.k} (given)` : `${summary.k} (chosen by ${esc(summary.choice.selection)}; rule asked: ${esc(c.selection)})`],
    ['Sample size for scoring k', count(c.sampleSize)],
    ['Random seed', esc(c.seed)],
    ['k-means restarts / max iterations / tolerance', `${esc(c.nInit)} / ${esc(c.maxIter)} / ${esc(c.tol)}`],
    ['Priorities', priorities],
    ['Excluded columns', c.exclude.length ? c.exclude.map(code).join(', ') : 'none beyond the defaults'],
    ['Rare-value and missing-value thresholds', `${pct(c.minCategoryShare, 0)} / ${pct(c.maxNullShare, 0)}`],
    ['Total inertia', esc(num(summary.inertia))],
  ];
  return `<table class="params"><tbody>${rows.map(([k, v]) => `<tr><th scope="row">${esc(k)}</th><td>${v}</td></tr>`).join('\n')}</tbody></table>`;
}

/** Time per pipeline stage, with the total. */
export function timingsTable(summary: SummaryFile): string {
  const total = summary.timings.reduce((a, t) => a + t.ms, 0);
  const rows = summary.timings.map((t) => [esc(t.stage), esc(duration(t.ms)), `<span class="bar" style="width: ${total > 0 ? ((100 * t.ms) / total).toFixed(1) : 0}%"></span>`]);
  rows.push(['<strong>total</strong>', `<strong>${esc(duration(total))}</strong>`, '']);
  return table(['Stage', 'Time', 'Share of the run'], rows, 'timings');
}

/**
 * Which features drive the assignment (permutation importance): for each feature, the share of
 * customers whose segment changes when that feature's values are shuffled, overall and per
 * segment. Empty for summaries made before importance existed.
 */
export function importanceTable(summary: SummaryFile): string {
  const rows = summary.explanation.importance;
  if (!rows || rows.length === 0) return '';
  const name = namer(summary);
  const head = `<tr><th>Feature</th><th>Customers who change segment</th>${summary.segments.map((s) => `<th>Segment ${s.segment}</th>`).join('')}</tr>`;
  const body = rows
    .map((r) => `<tr><td>${esc(name(r.feature))}</td><td><b>${pct(r.importance)}</b></td>${summary.segments.map((s) => `<td>${pct(r.bySegment[s.segment] ?? 0)}</td>`).join('')}</tr>`)
    .join('\n');
  return `<h4>Per segment</h4>
<p class="muted">The same shuffle, per segment: the share of each segment&rsquo;s customers who leave it when the feature is shuffled.</p>
<table class="importance">${head}\n${body}</table>`;
}
