import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(__dirname, '../..');

test('docker-compose accepts docker-compose.yml and defines temporal, trino and the worker', () => {
  // Throws (and fails the test) when `docker-compose config -q` exits non-zero.
  execFileSync('docker-compose', ['config', '-q'], { cwd: root, stdio: 'pipe' });
  const services = execFileSync('docker-compose', ['config', '--services'], { cwd: root, encoding: 'utf8' }).trim().split('\n').sort();
  assert.deepEqual(services, ['temporal', 'trino', 'worker']);
});
