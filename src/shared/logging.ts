/**
 * The Temporal SDK's logger, redacted: worker and SDK log lines (activity failures carry their
 * messages and stacks) go through `redact`, so no credential reaches a log.
 */
import { DefaultLogger, type LogEntry, type LogLevel } from '@temporalio/worker';
import { redact } from './redact';

function metaText(meta: LogEntry['meta']): string {
  if (!meta || Object.keys(meta).length === 0) return '';
  try {
    return ` ${JSON.stringify(meta, (_k, v: unknown) => (v instanceof Error ? { name: v.name, message: v.message, stack: v.stack } : v))}`;
  } catch {
    return '';
  }
}

/** A logger printing `LEVEL message {meta}` to stderr, redacted, from `level` up. */
export function redactingLogger(level: LogLevel): DefaultLogger {
  return new DefaultLogger(level, (entry: LogEntry) => {
    const when = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
    process.stderr.write(`${when} [${entry.level}] ${redact(entry.message)}${redact(metaText(entry.meta))}\n`);
  });
}
