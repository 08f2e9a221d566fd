/**
 * Pre-flight checks of a source file, so that a file that cannot be a customer table fails at
 * once with a message naming the file and the problem (DuckDB's CSV sniffer would otherwise
 * read an empty or ragged file as a table without the user id column).
 */
import { open, stat } from 'node:fs/promises';
import { WarehouseInputError } from './errors';

const PROBE_BYTES = 256 * 1024;

/** Field count of each complete line in `text` (RFC 4180 quoting: commas and newlines inside quotes). */
function fieldCounts(text: string, delimiter: string): number[] {
  const counts: number[] = [];
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') i++;
        else quoted = false;
      }
    } else if (ch === '"') quoted = true;
    else if (ch === delimiter) fields++;
    else if (ch === '\n') {
      counts.push(fields);
      fields = 1;
    }
  }
  return counts; // the last, possibly cut, line is left out
}

/** Throws WarehouseInputError naming `path` when it is missing, not a file, unreadable, empty or ragged. */
export async function checkSourceFile(path: string): Promise<void> {
  const info = await stat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT' || e.code === 'ENOTDIR') throw new WarehouseInputError('TABLE_NOT_FOUND', `input file ${path} does not exist: check the path`, { table: path });
    if (e.code === 'EACCES') throw new WarehouseInputError('PERMISSION_DENIED', `input file ${path} cannot be read (permission denied)`, { table: path });
    throw e;
  });
  if (!info.isFile()) throw new WarehouseInputError('UNSUPPORTED_SOURCE', `input ${path} is not a file: name a CSV, Parquet, JSON or .duckdb file`, { table: path });
  if (info.size === 0) throw new WarehouseInputError('INVALID_VALUE', `input file ${path} is empty: it needs a header line and one row per customer`, { table: path });
  const handle = await open(path, 'r').catch((e: NodeJS.ErrnoException) => {
    throw new WarehouseInputError('PERMISSION_DENIED', `input file ${path} cannot be read (${e.code ?? e.message})`, { table: path });
  });
  let text: string;
  try {
    const buf = Buffer.alloc(Math.min(PROBE_BYTES, info.size));
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    text = buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
  if (!/\.(csv|tsv|txt)$/i.test(path)) return; // compressed and binary formats are checked by DuckDB
  if (info.size <= PROBE_BYTES && !text.endsWith('\n')) text += '\n';
  const delimiter = /\.tsv$/i.test(path) ? '\t' : ',';
  const counts = fieldCounts(text.replace(/\r\n/g, '\n'), delimiter);
  if (counts.length === 0) return;
  const header = counts[0];
  const bad = counts.findIndex((c, i) => i > 0 && c !== header && !(c === 1 && isBlankLine(text, i)));
  if (bad > 0) {
    throw new WarehouseInputError(
      'INVALID_VALUE',
      `input file ${path} is ragged: line ${bad + 1} has ${counts[bad]} fields but the header has ${header}; fix the file (every row needs one value per header column, empty for null)`,
      { table: path },
    );
  }
}

function isBlankLine(text: string, index: number): boolean {
  return text.replace(/\r\n/g, '\n').split('\n')[index]?.trim() === '';
}
