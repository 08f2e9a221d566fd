/**
 * The weak-structure warning end to end: `autoseg run` on a CSV of uniform noise says plainly,
 * in its output, summary.json and report, that the data has no strong cluster structure; on
 * well-separated blobs it says nothing of the kind.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Rng } from '../../src/segmentation/rng';
import { runCli } from '../helpers/cli';
import { blobs } from '../segmentation/blobs';

function csv(rows: number, d: number, value: (i: number, j: number) => number): string {
  const lines = [['customer_id', ...Array.from({ length: d }, (_, j) => `x${j}`)].join(',')];
  for (let i = 0; i < rows; i++) lines.push([`c${i}`, ...Array.from({ length: d }, (_, j) => value(i, j).toFixed(6))].join(','));
  return `${lines.join('\n')}\n`;
}

test('autoseg run warns about weak structure on uniform noise, not on well-separated blobs', { timeout: 600_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-structure-'));
  try {
    const rng = new Rng(3);
    const noise = Array.from({ length: 2000 * 3 }, () => rng.nextFloat());
    writeFileSync(
      join(dir, 'noise.csv'),
      csv(2000, 3, (i, j) => noise[i * 3 + j]),
    );
    const { m } = blobs(3, 500, 3, 5, 0.05);
    writeFileSync(
      join(dir, 'blobs.csv'),
      csv(1500, 3, (i, j) => m.data[i * 3 + j]),
    );
    for (const [name, weak] of [
      ['noise', true],
      ['blobs', false],
    ] as const) {
      const out = join(dir, `${name}-out`);
      // No TEMPORAL_ADDRESS: the embedded default, as a first-time user runs it.
      const r = await runCli(['run', '--input', join(dir, `${name}.csv`), '--user-id', 'customer_id', '--out', out, '--k-max', '5'], { TEMPORAL_ADDRESS: '' });
      assert.equal(r.code, 0, r.stderr);
      const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as {
        choice: { structure: { weak: boolean; bestSilhouette: number } };
        explanation: { importance: { feature: string; importance: number }[] };
      };
      const report = readFileSync(join(out, 'report.html'), 'utf8');
      assert.equal(summary.choice.structure.weak, weak, `${name}: best silhouette ${summary.choice.structure.bestSilhouette}`);
      assert.equal(/warning: +No strong cluster structure/.test(r.stdout), weak, `${name}: ${r.stdout}`);
      assert.equal(report.includes('Weak cluster structure.'), weak, `${name}: the report's banner`);
      // Which features drive the assignment: every feature ranked, in the summary and the report.
      assert.deepEqual(summary.explanation.importance.map((r) => r.feature).sort(), ['x0', 'x1', 'x2']);
      assert.ok(summary.explanation.importance[0].importance > 0);
      assert.match(report, /Which features drive the segmentation/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
