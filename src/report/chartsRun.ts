import type { SummaryFile } from '../activities/finish';
import type { ChartDef } from './chart';
import { count, fixed, pct } from './format';
import { columnName, segmentColor, segmentName } from './palette';
import { silhouetteReading, stabilityReading } from './readings';
import type { VlSpec } from './vega';

/**
 * The run-level charts: how k was chosen (inertia and silhouette vs k), how big the segments
 * are, and how customers moved since the previous run.
 */

const MARK = '#d62728';
const CHOSEN = '#111827';

/** The k scores as charted: finite values only (a silhouette can be NaN, stored as null). */
export interface KPoint {
  readonly k: number;
  readonly value: number;
}

function kPoints(summary: SummaryFile, metric: 'inertia' | 'silhouette' | 'stability'): KPoint[] {
  return [...summary.scores]
    .sort((a, b) => a.k - b.k)
    .filter((s) => typeof s[metric] === 'number' && Number.isFinite(s[metric]))
    .map((s) => ({ k: s.k, value: s[metric] as number }));
}

const WIDTH = 360;
const HEIGHT = 230;

/** A metric vs k; `labelAt`: where the mark's label goes (away from where the curve's marked point is). */
function kLineSpec(
  points: KPoint[],
  opts: { title: string; color: string; mark: number | null; markLabel: string; labelAt: 'top' | 'bottom'; chosenK: number; zero: boolean; format: string },
): VlSpec {
  const ks = points.map((p) => p.k);
  const x = {
    field: 'k',
    type: 'quantitative',
    scale: { domain: [Math.min(...ks) - 0.3, Math.max(...ks) + 0.3], nice: false, zero: false },
    axis: { values: ks, format: 'd', title: 'Number of segments (k)', grid: false },
  };
  const y = { field: 'value', type: 'quantitative', scale: { zero: opts.zero, nice: true }, axis: { title: opts.title, tickCount: 5, format: opts.format } };
  const layer: VlSpec[] = [];
  if (opts.mark !== null) {
    const at = [{ k: opts.mark, label: opts.markLabel }];
    const atEnd = opts.mark === Math.max(...ks);
    layer.push({ data: { values: at }, mark: { type: 'rule', color: MARK, strokeDash: [5, 4], strokeWidth: 1.5 }, encoding: { x } });
    layer.push({
      data: { values: at },
      mark: { type: 'text', color: MARK, align: atEnd ? 'right' : 'left', baseline: opts.labelAt, dx: atEnd ? -5 : 5, fontSize: 11, fontWeight: 'bold' },
      encoding: { x, y: { value: opts.labelAt === 'top' ? 2 : HEIGHT - 2 }, text: { field: 'label' } },
    });
  }
  layer.push({ mark: { type: 'line', color: opts.color, strokeWidth: 2.5, point: { filled: true, size: 45, color: opts.color } }, encoding: { x, y, tooltip: [{ field: 'k' }, { field: 'value' }] } });
  if (points.some((p) => p.k === opts.chosenK)) {
    layer.push({ transform: [{ filter: `datum.k === ${opts.chosenK}` }], mark: { type: 'point', filled: false, size: 260, strokeWidth: 2.5, color: CHOSEN }, encoding: { x, y } });
    layer.push({ transform: [{ filter: `datum.k === ${opts.chosenK}` }], mark: { type: 'text', color: CHOSEN, dy: -16, fontSize: 11, fontWeight: 'bold', text: 'used' }, encoding: { x, y } });
  }
  return { width: WIDTH, height: HEIGHT, data: { values: points }, layer };
}

/** The plain reading of the silhouette at the k used (` At the k used (5): 0.31 means ...`), '' when it was not scored. */
function silhouetteAt(points: KPoint[], k: number): string {
  const v = points.find((p) => p.k === k)?.value;
  return v === undefined ? '' : ` At the k used (${k}): ${silhouetteReading(v)}.`;
}

/** Inertia vs k with the elbow marked, and silhouette vs k with its best k marked. */
export function kCharts(summary: SummaryFile): ChartDef[] {
  const inertia = kPoints(summary, 'inertia');
  const silhouette = kPoints(summary, 'silhouette');
  const charts: ChartDef[] = [];
  if (inertia.length > 0) {
    charts.push({
      name: 'k-inertia',
      title: 'Inertia by number of segments (lower is tighter)',
      caption: summary.elbowK === null ? 'The curve has no clear elbow.' : `The elbow, where adding segments stops paying off, is at k = ${summary.elbowK}.`,
      data: { metric: 'inertia', scores: inertia.map((p) => ({ k: p.k, inertia: p.value })), elbowK: summary.elbowK, chosenK: summary.k },
      spec: kLineSpec(inertia, { title: 'Inertia', color: '#4e79a7', mark: summary.elbowK, markLabel: `elbow: k = ${summary.elbowK}`, labelAt: 'top', chosenK: summary.k, zero: false, format: '~s' }),
      className: 'half',
    });
  }
  if (silhouette.length > 0) {
    charts.push({
      name: 'k-silhouette',
      title: 'Silhouette by number of segments (higher is better separated)',
      caption:
        summary.silhouetteK === null
          ? 'No silhouette score could be computed.'
          : `The best-separated split is k = ${summary.silhouetteK} (silhouette ${fixed(silhouette.find((p) => p.k === summary.silhouetteK)?.value)}).${silhouetteAt(silhouette, summary.k)}`,
      data: { metric: 'silhouette', scores: silhouette.map((p) => ({ k: p.k, silhouette: p.value })), silhouetteK: summary.silhouetteK, chosenK: summary.k },
      spec: kLineSpec(silhouette, {
        title: 'Silhouette score',
        color: '#59a14f',
        mark: summary.silhouetteK,
        markLabel: `best: k = ${summary.silhouetteK}`,
        labelAt: 'bottom',
        chosenK: summary.k,
        zero: false,
        format: '.2f',
      }),
      className: 'half',
    });
  }
  const stability = kPoints(summary, 'stability');
  if (stability.length > 0) {
    const stableK = summary.choice.stabilityK ?? null;
    charts.push({
      name: 'k-stability',
      title: 'Stability by number of segments (higher is more reproducible)',
      caption:
        'Mean agreement (adjusted Rand index, 1 = identical) between the segments of fits on resampled customers: how much the split would change on slightly different data.' +
        (stableK === null ? '' : ` Most reproducible: k = ${stableK} (${fixed(stability.find((p) => p.k === stableK)?.value)}).`) +
        (stability.some((p) => p.k === summary.k) ? ` At the k used (${summary.k}): ${stabilityReading(stability.find((p) => p.k === summary.k)?.value ?? 0)}.` : ''),
      data: { metric: 'stability', scores: stability.map((p) => ({ k: p.k, stability: p.value })), stabilityK: stableK, chosenK: summary.k },
      spec: kLineSpec(stability, {
        title: 'Stability (ARI)',
        color: '#f28e2b',
        mark: stableK,
        markLabel: `most stable: k = ${stableK}`,
        labelAt: 'bottom',
        chosenK: summary.k,
        zero: false,
        format: '.2f',
      }),
      className: 'half',
    });
  }
  return charts;
}

/** A plain-language sentence on which k was used and why, and the engine's own reason (with its numbers). */
export function kSentence(summary: SummaryFile): { sentence: string; detail: string } {
  const c = summary.choice;
  const rule =
    c.selection === 'explicit'
      ? 'it was given in the run configuration'
      : c.selection === 'elbow' && c.requested === 'silhouette'
        ? 'no silhouette score could be computed, so the elbow of the inertia curve was used instead'
        : c.selection === 'elbow'
          ? 'it is the elbow of the inertia curve, the point after which more segments barely make them tighter'
          : c.selection === 'silhouette' && c.requested === 'elbow'
            ? 'the inertia curve has no clear elbow, so the best-separated split (highest silhouette score) was used instead'
            : c.selection === 'silhouette'
              ? 'it gives the best-separated segments (highest silhouette score)'
              : c.selection === 'stability'
                ? 'it gives the most reproducible segments (fits on resampled customers agree most)'
                : 'neither the elbow nor the silhouette gave an answer, so the smallest k tried was used';
  const sample = summary.scores[0]?.sampleSize;
  const scored = summary.scores.length > 0 && sample !== undefined ? ` Scores were computed on a sample of ${count(sample)} customers.` : '';
  const reason = c.reason.charAt(0).toUpperCase() + c.reason.slice(1);
  return { sentence: `This report uses k = ${summary.k} segments because ${rule}.`, detail: `${reason}${scored}` };
}

/** Segment sizes as a donut, with counts and shares. */
export function sizesChart(summary: SummaryFile): ChartDef {
  const segs = summary.segments;
  const rows = segs.map((s) => ({
    segment: s.segment,
    label: s.label,
    size: s.size,
    share: s.share,
    legend: `${segmentName(s.segment)}: ${count(s.size)} (${pct(s.share)})  ${s.label}`,
    text: s.share >= 0.025 ? pct(s.share, 0) : '',
  }));
  const spec: VlSpec = {
    width: 270,
    height: 270,
    data: { values: rows },
    encoding: {
      theta: { field: 'size', type: 'quantitative', stack: true },
      order: { field: 'segment', type: 'quantitative' },
      color: {
        field: 'legend',
        type: 'nominal',
        sort: null,
        scale: { domain: rows.map((r) => r.legend), range: segs.map((s) => segmentColor(s.segment)) },
        legend: { title: null, orient: 'right', labelFontSize: 12, symbolType: 'circle', symbolSize: 160, rowPadding: 8, labelLimit: 520 },
      },
      tooltip: [{ field: 'segment' }, { field: 'label' }, { field: 'size', format: ',' }, { field: 'share', format: '.1%' }],
    },
    layer: [
      { mark: { type: 'arc', innerRadius: 72, outerRadius: 128, stroke: '#ffffff', strokeWidth: 2 } },
      { mark: { type: 'text', radius: 100, fontSize: 12, fontWeight: 'bold' }, encoding: { text: { field: 'text' }, color: { value: '#ffffff' } } },
    ],
    view: { stroke: null },
  };
  return {
    name: 'segment-sizes',
    title: `Customers per segment (${count(summary.rows)} in total)`,
    data: { rows: summary.rows, segments: segs.map((s) => ({ segment: s.segment, label: s.label, size: s.size, share: s.share })) },
    spec,
  };
}

/** Customers moving between the previous run's segments and this run's, as a heat map; null without a previous run. */
export function transitionsChart(summary: SummaryFile): ChartDef | null {
  const m = summary.transitions;
  if (m === null || m.length === 0) return null;
  const cells: { previous: string; next: string; p: number; n: number; count: number; shareOfPrevious: number }[] = [];
  let max = 0;
  const cols = Math.max(...m.map((r) => r.length));
  m.forEach((row, p) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((c, n) => {
      max = Math.max(max, c);
      cells.push({ previous: m.length <= 10 ? `Previous ${p}` : String(p), next: columnName(n, cols), p, n, count: c, shareOfPrevious: total > 0 ? c / total : 0 });
    });
  });
  const spec: VlSpec = {
    width: Math.min(760, 64 * cols),
    height: Math.min(560, 40 * m.length),
    data: { values: cells },
    encoding: {
      x: { field: 'next', type: 'ordinal', sort: { field: 'n' }, axis: { title: 'Segment in this run', orient: 'top', labelAngle: 0 } },
      y: { field: 'previous', type: 'ordinal', sort: { field: 'p' }, axis: { title: 'Segment in the previous run' } },
    },
    layer: [
      {
        mark: { type: 'rect', stroke: '#ffffff', strokeWidth: 1 },
        encoding: { color: { field: 'count', type: 'quantitative', scale: { scheme: 'blues', domainMin: 0 }, legend: { title: 'Customers', format: ',d' } } },
      },
      {
        mark: { type: 'text', fontSize: 11 },
        encoding: {
          text: { field: 'count', type: 'quantitative', format: ',d' },
          color: { condition: { test: `datum.count > ${max / 2}`, value: '#ffffff' }, value: '#1f2937' },
        },
      },
    ],
  };
  const moved = summary.movedSincePrevious;
  return {
    name: 'transitions',
    title: 'Where customers went since the previous run',
    caption: `Each row is a segment of the previous run; each cell counts its customers now in each segment of this run.${moved !== null && moved !== undefined ? ` ${count(moved)} customers changed segment.` : ''}`,
    data: { matrix: m },
    spec,
  };
}
