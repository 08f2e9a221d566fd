/**
 * Writes an OutputTable as an RFC 4180 CSV file atomically: rows stream into a temp file beside
 * the target, which is fsynced and renamed over it, so a reader (or a crashed-and-retried
 * activity) only ever finds the old file or the complete new one.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { once } from 'node:events';
import { encodeColumn } from './encode';
import { checkOutputTable, type OutputTable } from './warehouse';

function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replace(/"/g, '""')}"` : text;
}

export async function writeCsvFileAtomic(path: string, table: OutputTable): Promise<void> {
  checkOutputTable(table);
  await mkdir(dirname(path), { recursive: true });
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const out = createWriteStream(tmp, { encoding: 'utf8' });
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
    const handle = await open(tmp, 'r');
    await handle.sync();
    await handle.close();
    await rename(tmp, path);
  } catch (err) {
    out.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}
