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
  // V8 frees array buffers' memory on a sweeper thread after the collection: watched for up to
  // 1 s, well before V8's memory reducer would collect by itself (8 s and more of low allocation).
  let held = Infinity;
  for (let waited = 0; waited < 1000 && held >= 8 * 2 ** 20; waited += 20) {
    await tick();
    held = process.memoryUsage().arrayBuffers - before;
  }
  assert.ok(held < 8 * 2 ** 20, `array buffers still held: ${(held / 2 ** 20).toFixed(1)} MB more than before the activity`);
});
