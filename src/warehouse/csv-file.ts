/**
 * Writes an OutputTable as an RFC 4180 CSV file atomically (src/shared/atomicFile.ts): rows stream
 * into a temp file beside the target, which is fsynced and renamed over it, so a reader (or a
 * crashed-and-retried activity) only ever finds the old file or the complete new one.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { replaceFileAtomically } from '../shared/atomicFile';
import { encodeColumn } from './encode';
import { checkOutputTable, type OutputTable } from './warehouse';

function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function writeCsvFileAtomic(path: string, table: OutputTable): Promise<void> {
  checkOutputTable(table);
  await replaceFileAtomically(path, async (tmp) => {
    const out = createWriteStream(tmp, { encoding: 'utf8', flags: 'wx' });
    try {
      const write = async (chunk: string): Promise<void> => {
        if (!out.write(chunk)) await once(out, 'drain');
      };
      await write(table.columns.map((c) => csvField(c.name)).join(',') + '\n');
      const block = 8192;
      for (let from = 0; from < table.rowCount; from += block) {
        const to = Math.min(table.rowCount, from + block);
        const encoded = table.columns.map((c) => encodeColumn(c, from, to));
        let text = '';
        for (let i = 0; i < to - from; i++) text += encoded.map((col) => csvField(col[i])).join(',') + '\n';
        await write(text);
      }
      out.end();
      await once(out, 'finish');
    } catch (err) {
      out.destroy();
      throw err;
    }
  });
}
