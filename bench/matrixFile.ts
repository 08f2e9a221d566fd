/**
 * The on-disk matrix exchange format between autoseg and the Python reference (and the hook for
 * matrices exported by the pipeline): `<base>.f64` holds rows x cols float64 values, little
 * endian, row-major, no header; `<base>.json` is the header:
 *
 *   { "format": "autoseg-matrix", "version": 1, "dtype": "float64", "order": "row-major",
 *     "endianness": "little", "rows": 1000, "cols": 20, "name": "blobs-1", "columns": [...]? }
 *
 * Label vectors use the same scheme with dtype "int32" and cols 1.
 */
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { matrix, type Matrix } from '../src/segmentation/matrix';

export interface MatrixHeader {
  readonly format: 'autoseg-matrix';
  readonly version: 1;
  readonly dtype: 'float64' | 'int32';
  readonly order: 'row-major';
  readonly endianness: 'little';
  readonly rows: number;
  readonly cols: number;
  readonly name?: string;
  readonly columns?: readonly string[];
}

function dataPath(base: string, dtype: MatrixHeader['dtype']): string {
  return `${base}.${dtype === 'float64' ? 'f64' : 'i32'}`;
}

function bytesOf(a: Float64Array | Int32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

export function writeMatrixFile(base: string, m: Matrix, meta: { name?: string; columns?: readonly string[] } = {}): void {
  const header: MatrixHeader = { format: 'autoseg-matrix', version: 1, dtype: 'float64', order: 'row-major', endianness: 'little', rows: m.rows, cols: m.cols, ...meta };
  writeFileSync(dataPath(base, 'float64'), bytesOf(m.data));
  writeFileSync(`${base}.json`, JSON.stringify(header, null, 1));
}

export function writeLabelsFile(base: string, labels: Int32Array): void {
  const header: MatrixHeader = { format: 'autoseg-matrix', version: 1, dtype: 'int32', order: 'row-major', endianness: 'little', rows: labels.length, cols: 1 };
  writeFileSync(dataPath(base, 'int32'), bytesOf(labels));
  writeFileSync(`${base}.json`, JSON.stringify(header));
}

export function readMatrixHeader(base: string): MatrixHeader {
  const h = JSON.parse(readFileSync(`${base}.json`, 'utf8')) as MatrixHeader;
  if (h.format !== 'autoseg-matrix' || h.version !== 1 || h.order !== 'row-major' || h.endianness !== 'little') {
    throw new Error(`${base}.json is not an autoseg-matrix v1 row-major little-endian header`);
  }
  return h;
}

export function readMatrixFile(base: string): { m: Matrix; header: MatrixHeader } {
  const header = readMatrixHeader(base);
  if (header.dtype !== 'float64') throw new Error(`${base}: expected float64, got ${header.dtype}`);
  const buf = readFileSync(dataPath(base, 'float64'));
  if (buf.byteLength !== header.rows * header.cols * 8) throw new Error(`${base}.f64 has ${buf.byteLength} bytes, expected ${header.rows} x ${header.cols} x 8`);
  const data = new Float64Array(header.rows * header.cols);
  new Uint8Array(data.buffer).set(buf);
  return { m: matrix(header.rows, header.cols, data), header };
}

export function matrixFileExists(base: string): boolean {
  return existsSync(`${base}.json`) && existsSync(`${base}.f64`);
}
