import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { engineerFeatures } from '../../src/segmentation/engineer';
import { droppedByDistinctCount } from '../../src/segmentation/profile';
import { StageStore } from '../../src/stage/stage-store';
import { DuckDBWarehouse } from '../../src/warehouse';

/**
 * Text columns that their distinct count alone drops are counted by DuckDB and never read
 * (ScanOptions.countOnly): the dictionary and the matrix must be exactly those of reading them.
 */
test('columns counted in DuckDB instead of read give the same dictionary and matrix, through the stage store', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'autoseg-counted-'));
  try {
    const n = 400;
    const lines = ['customer_id,full_name,note,email_hash,tier,region,spend'];
    for (let i = 0; i < n; i++) {
      const note = i % 20 === 0 ? '' : `note ${i}`; // NULLs plus 380 values: too many for any to reach 10%
      const email = i % 50 === 0 ? '' : `h${i % 390}`; // identifier-like name, >= 95% distinct
      lines.push(`${(i * 37) % n},name ${i},${note},${email},${['gold', 'silver', 'bronze'][i % 3]},${['north', 'south', 'east', 'west', 'x'][i % 5]},${(i * 13) % 97}.5`);
    }
    const path = join(dir, 'c.csv');
    await writeFile(path, lines.join('\n') + '\n');
    const minShare = 0.1;
    const w = new DuckDBWarehouse();
    const store = new StageStore(join(dir, 'stage'));
    try {
      const read = await w.scan({ kind: 'file', path }, { userId: 'customer_id' });
      const counted = await w.scan({ kind: 'file', path }, { userId: 'customer_id', countOnly: (c, d, rows) => droppedByDistinctCount(c, d, rows, minShare) });
      assert.deepEqual(
        counted.columns.map((c) => [c.name, c.kind]),
        [
          ['customer_id', 'categorical'],
          ['full_name', 'counted'],
          ['note', 'counted'],
          ['email_hash', 'counted'],
          ['tier', 'categorical'],
          ['region', 'categorical'],
          ['spend', 'numeric'],
        ],
      );
      const note = counted.columns.find((c) => c.name === 'note')!;
      assert.deepEqual(note.kind === 'counted' && [note.distinctCount, note.nullCount], [381, 20]);
      await store.putTable('r', 'extract', counted);
      const staged = await store.getTable('r', 'extract');
      assert.deepEqual(staged, counted);
      const options = { userId: 'customer_id', minCategoryShare: minShare };
      const a = engineerFeatures(read, options);
      const b = engineerFeatures(staged, options);
      assert.deepEqual(b.dictionary, a.dictionary);
      assert.deepEqual(b.userIds, a.userIds);
      assert.deepEqual(Array.from(b.matrix.data), Array.from(a.matrix.data));
      for (const name of ['full_name', 'note', 'email_hash']) assert.equal(a.dictionary.columns.find((e) => e.column === name)?.treatment, 'dropped', name);
      // A stricter share keeps region's values: the same predicate then reads it.
      const kept = await w.scan({ kind: 'file', path }, { userId: 'customer_id', countOnly: (c, d, rows) => droppedByDistinctCount(c, d, rows, 0.001) });
      assert.equal(kept.columns.find((c) => c.name === 'note')!.kind, 'categorical');
    } finally {
      await w.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
