import { test } from 'node:test';
import assert from 'node:assert/strict';
import { collectingAfter } from '../../src/activities/memory';

const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));

test('collectingAfter passes the result and the error through', async () => {
  assert.equal(await collectingAfter(Promise.resolve(42)), 42);
  await assert.rejects(collectingAfter(Promise.reject(new Error('bad table'))), /bad table/);
});

test('collectingAfter frees what the finished activity left behind', async () => {
  await tick();
  const before = process.memoryUsage().arrayBuffers;
  const garbageMb = 48;
  // an "activity" that builds large columns and returns a small result; its columns become garbage
  const result = await collectingAfter(
    (async () => {
      const columns = Array.from({ length: garbageMb }, () => new Float64Array(131_072).fill(1));
      await tick();
      return columns.reduce((s, c) => s + c[0], 0);
    })(),
  );
  assert.equal(result, garbageMb);
  await tick();
  const after = process.memoryUsage().arrayBuffers;
  assert.ok(after - before < 8 * 2 ** 20, `array buffers still held: ${((after - before) / 2 ** 20).toFixed(1)} MB more than before the activity`);
});
