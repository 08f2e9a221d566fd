import type { RunProgress } from '../workflows/progress';
import { STAGES } from '../workflows/progress';

/**
 * Shows a run's progress: a redrawn bar on a TTY, one plain line per change otherwise
 * (so logs of scheduled runs stay readable).
 */
export class ProgressView {
  private last = '';
  constructor(private readonly out: NodeJS.WriteStream = process.stderr) {}

  update(p: RunProgress): void {
    const index = STAGES.indexOf(p.stage as (typeof STAGES)[number]);
    const done = p.stage === 'done' ? STAGES.length : Math.max(0, index);
    const detail = p.stage === 'score' && p.kTotal > 0 ? ` ${p.kScored}/${p.kTotal} k scored` : '';
    const line = `${p.stage}${detail}`;
    if (this.out.isTTY) {
      const width = 24;
      const filled = Math.round((done / STAGES.length) * width);
      this.out.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${line.padEnd(40)}`);
    } else if (line !== this.last) {
      this.out.write(`autoseg: ${line}\n`);
    }
    this.last = line;
  }

  finish(): void {
    if (this.out.isTTY) this.out.write('\n');
  }
}
