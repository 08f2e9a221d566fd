import type { RunProgress } from '../workflows/progress';
import { STAGES } from '../workflows/progress';

/**
 * Shows a run's progress: a redrawn bar on a TTY, and otherwise one plain line per finished
 * stage with its time (so logs of scheduled runs stay readable).
 */
export class ProgressView {
  private printed = 0;
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(p: RunProgress): void {
    if (this.out.isTTY) {
      const done = p.stage === 'done' ? STAGES.length : p.completed.length;
      const width = 24;
      const filled = Math.round((done / STAGES.length) * width);
      const detail = p.stage === 'score' && p.kTotal > 0 ? ` ${p.kScored}/${p.kTotal} k scored` : '';
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${`${p.stage}${detail}`.padEnd(40)}`);
      return;
    }
    for (; this.printed < p.completed.length; this.printed++) {
      const { stage, ms } = p.completed[this.printed];
      const extra =
        stage === 'check' && p.engine
          ? `, engine ${p.engine.mode}: ${p.engine.reason}`
          : stage === 'extract' && p.rows !== undefined
            ? `, ${p.rows} rows`
            : stage === 'engineer' && p.features !== undefined
              ? `, ${p.features} features`
              : stage === 'choose' && p.chosenK !== undefined
                ? `, k = ${p.chosenK}`
                : '';
      this.out.write(`autoseg: ${stage} done in ${ms} ms${extra}\n`);
    }
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
