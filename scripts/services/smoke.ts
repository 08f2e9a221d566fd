import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTemporalDevServer } from '../../src/embedded/temporal';
import { startTrino } from './trino';

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'autoseg-smoke-'));
  let t = Date.now();
  const temporal = await startTemporalDevServer({ logDir: dir });
  console.log('temporal up', temporal.address, Date.now() - t, 'ms');
  t = Date.now();
  const trino = await startTrino(dir);
  console.log('trino up', trino.url, Date.now() - t, 'ms');
  await Promise.all([temporal.stop(), trino.stop()]);
  console.log('stopped');
}
main().catch((e) => { console.error(e); process.exit(1); });
