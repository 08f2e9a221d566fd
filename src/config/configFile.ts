import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseYaml } from 'yaml';

/** A config file that cannot be read or parsed; the message names the file and the problem. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

/** YAML or JSON: by the extension (`.yaml`, `.yml`, `.json`), else JSON when the text starts with `{`. */
export function configFormat(path: string, text: string): 'yaml' | 'json' {
  const ext = extname(path).toLowerCase();
  if (ext === '.yaml' || ext === '.yml') return 'yaml';
  if (ext === '.json') return 'json';
  return text.trimStart().startsWith('{') ? 'json' : 'yaml';
}

/**
 * The top-level object of a config file's text. YAML is read as YAML 1.2 (core schema: `yes`,
 * `no` and dates stay strings; duplicate keys and several documents are errors), JSON as JSON.
 */
export function parseConfigText(text: string, path: string): Record<string, unknown> {
  const format = configFormat(path, text);
  let parsed: unknown;
  try {
    parsed = format === 'json' ? JSON.parse(text) : parseYaml(text, { version: '1.2', schema: 'core', uniqueKeys: true });
  } catch (e) {
    throw new ConfigFileError(`config file ${path} is not valid ${format === 'json' ? 'JSON' : 'YAML'}: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigFileError(
      `config file ${path} is not valid ${format === 'json' ? 'JSON' : 'YAML'} for a run config: the top level must be ${format === 'json' ? 'an object' : 'a mapping'} of settings`,
    );
  }
  return parsed as Record<string, unknown>;
}

/** Reads and parses a YAML or JSON config file (see {@link parseConfigText}). */
export function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigFileError(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  return parseConfigText(text, path);
}
