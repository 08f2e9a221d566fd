/**
 * Rewrites the README's table of the original implementation's parameters and outputs (between
 * the `original-names` markers) from src/config/originalNames.ts. test/unit/originalNames.test.ts
 * fails when the README and the module disagree.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { originalNamesMarkdown } from '../src/config/originalNames';

export const BEGIN = '<!-- original-names:begin -->';
export const END = '<!-- original-names:end -->';

/** The README text with the generated table between the markers. */
export function withTable(readme: string): string {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} ... ${END} block`);
  return `${readme.slice(0, a + BEGIN.length)}\n${originalNamesMarkdown()}\n${readme.slice(b)}`;
}

if (require.main === module) {
  const file = join(__dirname, '..', 'README.md');
  writeFileSync(file, withTable(readFileSync(file, 'utf8')));
}
