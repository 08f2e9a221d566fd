/**
 * Secrets never leave the process: every message that may reach a log, the console, an HTTP
 * answer or Temporal's history (failure messages are stored there) goes through `redact`.
 *
 * - credentials inside URLs (`https://user:secret@host`) become `https://user:***@host`;
 * - the values of the secret environment variables below, wherever they appear, become `***`.
 */
const SECRET_ENV = ['TRINO_PASSWORD', 'AUTOSEG_TRIGGER_TOKEN', 'TEMPORAL_API_KEY'] as const;

/** The secret values known to this process (URL passwords included), longest first. */
function secretValues(env: NodeJS.ProcessEnv): string[] {
  const values = new Set<string>();
  for (const name of SECRET_ENV) {
    const v = env[name];
    if (v && v.length >= 4) values.add(v);
  }
  for (const name of ['TRINO_URL', 'TEMPORAL_ADDRESS']) {
    const password = urlPassword(env[name]);
    if (password && password.length >= 4) values.add(password);
  }
  return [...values].sort((a, b) => b.length - a.length);
}

function urlPassword(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.password ? decodeURIComponent(u.password) : undefined;
  } catch {
    return undefined;
  }
}

/** `text` with URL credentials and known secret values masked. */
export function redact(text: string, env: NodeJS.ProcessEnv = process.env): string {
  // scheme://user:password@host -> scheme://user:***@host (the user name is not a secret).
  let out = text.replace(/([a-z][a-z0-9+.-]*:\/\/[^\s/:@]+):[^\s@/]*@/gi, '$1:***@');
  for (const secret of secretValues(env)) {
    out = out.split(secret).join('***');
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) out = out.split(encoded).join('***');
  }
  return out;
}

/** A URL for display: credentials removed entirely. */
export function displayUrl(url: string): string {
  try {
    const u = new URL(url);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return redact(url);
  }
}
