/**
 * Name-based column rules of feature engineering: user exclusions (names, globs and regular
 * expressions), the default exclusions, and identifier-looking names.
 */

/** The prefix of an `exclude` entry that is a JavaScript regular expression (`re:tmp_\d+`). */
export const REGEX_PREFIX = 're:';

/**
 * Why an `exclude` entry cannot be used (a `re:` entry that is empty or not a valid JavaScript
 * regular expression), naming the entry; null for a usable entry. The run config schema
 * rejects such entries, so a run never starts with one.
 */
export function invalidExclusion(entry: string): string | null {
  if (!entry.startsWith(REGEX_PREFIX)) return null;
  const body = entry.slice(REGEX_PREFIX.length);
  if (body.length === 0) return `exclude entry ${JSON.stringify(entry)} has an empty regular expression after \`re:\``;
  try {
    new RegExp(body);
  } catch (e) {
    return `exclude entry ${JSON.stringify(entry)} is not a valid JavaScript regular expression: ${(e as Error).message}`;
  }
  return null;
}

/**
 * The RegExp of a `re:` entry: matched against the whole column name (as if wrapped in `^(?:...)$`),
 * case-insensitively, like names and globs. Throws for an entry {@link invalidExclusion} rejects.
 */
export function exclusionRegExp(entry: string): RegExp {
  const why = invalidExclusion(entry);
  if (why !== null || !entry.startsWith(REGEX_PREFIX)) throw new Error(why ?? `exclude entry ${JSON.stringify(entry)} does not start with ${REGEX_PREFIX}`);
  // The body compiles on its own (checked above), so its groups are balanced and the wrapper cannot change its meaning.
  return new RegExp(`^(?:${entry.slice(REGEX_PREFIX.length)})$`, 'i');
}

/**
 * A matcher for the user's `exclude` list. An entry starting with `re:` is a JavaScript regular
 * expression; an entry containing `*`, `?` or `[` is a glob (`*` any run of characters, `?` one
 * character, `[abc]` / `[a-z]` / `[!abc]` a class); any other entry an exact name. All three
 * match the whole column name, case-insensitively.
 */
export class ExclusionMatcher {
  private readonly exact = new Map<string, string>();
  private readonly patternRes: { pattern: string; re: RegExp }[] = [];
  private readonly used = new Set<string>();

  constructor(readonly patterns: readonly string[]) {
    for (const p of patterns) {
      if (p.startsWith(REGEX_PREFIX)) this.patternRes.push({ pattern: p, re: exclusionRegExp(p) });
      else if (/[*?[]/.test(p)) this.patternRes.push({ pattern: p, re: globToRegExp(p) });
      else this.exact.set(p.toLowerCase(), p);
    }
  }

  /** The entry of the list that excludes `column`, or null. */
  match(column: string): string | null {
    const e = this.exact.get(column.toLowerCase());
    if (e !== undefined) {
      this.used.add(e);
      return e;
    }
    for (const g of this.patternRes) {
      if (g.re.test(column)) {
        this.used.add(g.pattern);
        return g.pattern;
      }
    }
    return null;
  }

  /** Entries that matched no column so far (worth a warning: probably a typo). */
  unused(): string[] {
    return this.patterns.filter((p) => !this.used.has(p));
  }
}

/** A case-insensitive, anchored RegExp for a glob pattern. */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const ch = glob[i];
    if (ch === '*') re += '[\\s\\S]*';
    else if (ch === '?') re += '[\\s\\S]';
    else if (ch === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) {
        re += '\\[';
        continue;
      }
      let body = glob.slice(i + 1, close);
      const negate = body.startsWith('!');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
      i = close;
    } else re += ch.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${re}$`, 'i');
}

/**
 * The default exclusions of the seed README: a column named `time` (Treasure Data's ingestion
 * timestamp) and any column whose name contains `exclude`, both case-insensitive. Returns a
 * sentence saying which rule matched, or null.
 */
export function defaultExclusion(column: string): string | null {
  const lower = column.toLowerCase();
  if (lower === 'time') return 'the column is named `time` (default exclusion)';
  if (lower.includes('exclude')) return 'the name contains `exclude` (default exclusion)';
  return null;
}

const IDENTIFIER_TOKENS = new Set(['id', 'uuid', 'guid', 'email', 'mail', 'phone', 'mobile', 'tel', 'name', 'firstname', 'lastname', 'fullname', 'username', 'address', 'ip', 'ssn']);

/**
 * True when the name looks like it holds identifiers or personal data: one of its words
 * (split at non-alphanumerics and camelCase humps) is id, uuid, guid, email, mail, phone, mobile,
 * tel, name, firstname, lastname, fullname, username, address, ip or ssn; or the name contains
 * `email`. Such columns are dropped when they are also high-cardinality (see engineer.ts).
 */
export function isIdentifierLikeName(column: string): boolean {
  const words = column
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
  if (words.some((w) => IDENTIFIER_TOKENS.has(w))) return true;
  return column.toLowerCase().includes('email');
}

/**
 * Share of distinct values among rows above which an identifier-like name is treated as an
 * identifier (distinct values / rows >= this).
 */
export const IDENTIFIER_MIN_DISTINCT_SHARE = 0.5;
