/** The markdown table and the ratio lines of `npm run bench:scale` (see scale.ts). */
import { STAGE_COLUMNS, type CaseResult } from './scaleRun';

const TARGET_S: Record<string, number> = { sf10: 60, sf100: 360 };
const RSS_TARGET = 1.5;

const fmt = (x: number | null | undefined, digits = 1): string => (x === null || x === undefined ? '–' : x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits }));
const int = (x: number | null | undefined): string => (x === null || x === undefined ? '–' : Math.round(x).toLocaleString('en-US'));
const engineName = (e: string): string => (e === 'trino' ? 'pushdown (trino)' : 'worker');

export function markdownTable(results: readonly CaseResult[]): string {
  const header = ['scale', 'engine', 'rows', 'wall s', 'rows/s', ...STAGE_COLUMNS.map((s) => `${s} s`), 'worker peak RSS MB', 'Trino peak RSS MB'];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i < 2 ? '---' : '---:')).join('|')}|`];
  for (const r of results) {
    const cells =
      r.ok || r.wallS !== null
        ? [r.scale, engineName(r.engine), int(r.rows ?? r.expectedRows), fmt(r.wallS), int(r.rowsPerS), ...STAGE_COLUMNS.map((s) => fmt(r.stagesS[s])), int(r.worker?.peakMb), int(r.trino?.peakMb)]
        : [r.scale, engineName(r.engine), int(r.expectedRows), 'FAILED', '–', ...STAGE_COLUMNS.map(() => '–'), int(r.worker?.peakMb), int(r.trino?.peakMb)];
    if (!r.ok && r.wallS !== null) cells[3] += ' (FAILED)';
    lines.push(`| ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

const ok = (results: readonly CaseResult[], scale: string, engine: string) => results.find((r) => r.ok && r.scale === scale && r.engine === engine);

/** Pushdown vs worker wall time, worker RSS growth with scale, and the time targets. */
export function ratioLines(results: readonly CaseResult[], scales: readonly string[]): string[] {
  const lines: string[] = [];
  for (const s of scales) {
    const [p, w] = [ok(results, s, 'trino'), ok(results, s, 'worker')];
    if (p?.wallS && w?.wallS) {
      lines.push(`- ${s}: pushdown / worker wall time = ${fmt(p.wallS)} s / ${fmt(w.wallS)} s = ${fmt(p.wallS / w.wallS, 2)}x (pushdown ${fmt(w.wallS / p.wallS, 2)}x as fast)`);
    }
  }
  for (const engine of ['trino', 'worker']) {
    const ran = scales.filter((s) => ok(results, s, engine)?.worker);
    if (ran.length < 2) continue;
    const base = ran.includes('sf1') ? 'sf1' : ran[0];
    const top = ran[ran.length - 1];
    if (top === base) continue;
    const [b, t] = [ok(results, base, engine)!.worker!.peakMb, ok(results, top, engine)!.worker!.peakMb];
    const target = engine === 'trino' ? ` (target <= ${RSS_TARGET}x: ${t / b <= RSS_TARGET ? 'met' : 'MISSED'})` : ' (worker mode holds every row: no target)';
    lines.push(`- ${engineName(engine)}: worker peak RSS ${top} / ${base} = ${int(t)} MB / ${int(b)} MB = ${fmt(t / b, 2)}x${target}`);
  }
  for (const [s, limit] of Object.entries(TARGET_S)) {
    const p = ok(results, s, 'trino');
    if (p?.wallS) lines.push(`- pushdown ${s} end to end: ${fmt(p.wallS)} s (target <= ${limit} s: ${p.wallS <= limit ? 'met' : 'MISSED'})`);
  }
  return lines;
}

export function failureLines(results: readonly CaseResult[]): string[] {
  return results.filter((r) => !r.ok).map((r) => `- ${r.scale} ${engineName(r.engine)} FAILED: ${r.error ?? 'unknown'}\n  logs: ${r.logs.worker}, ${r.logs.client}`);
}
