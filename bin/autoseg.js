#!/usr/bin/env node
// The `autoseg` command: the compiled CLI when built (npm run build), else the TypeScript sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const compiled = join(__dirname, '..', 'dist', 'cli', 'index.js');
if (existsSync(compiled)) {
  require(compiled);
} else {
  require('tsx/cjs');
  require(join(__dirname, '..', 'src', 'cli', 'index.ts'));
}
