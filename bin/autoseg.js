#!/usr/bin/env node
// The `autoseg` command: the compiled CLI when built (npm run build), else the TypeScript sources through tsx.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const compiled = join(__dirname, '..', 'dist', 'cli', 'index.js');
let cli;
if (existsSync(compiled)) {
  cli = require(compiled);
} else {
  require('tsx/cjs');
  cli = require(join(__dirname, '..', 'src', 'cli', 'index.ts'));
}
cli.main().then((code) => process.exit(code));
