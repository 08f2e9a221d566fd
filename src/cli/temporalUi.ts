import { CliUsageError } from './exitCodes';

/** Temporal Cloud's UI serves every Cloud namespace (`<name>.<account>`) under one address. */
const CLOUD_UI = 'https://cloud.temporal.io';

/**
 * The Temporal Web UI of an external cluster, where it is known: AUTOSEG_TEMPORAL_UI_URL, else
 * Temporal Cloud's UI for a Cloud frontend (`*.tmprl.cloud`, `*.api.temporal.io`), else none
 * (a self-hosted UI's address cannot be guessed from the frontend's).
 */
export function externalUiUrl(address: string | undefined, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const configured = env.AUTOSEG_TEMPORAL_UI_URL?.trim();
  if (configured) {
    let url: URL;
    try {
      url = new URL(configured);
    } catch {
      throw new CliUsageError(`AUTOSEG_TEMPORAL_UI_URL is not a URL: ${configured}`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new CliUsageError(`AUTOSEG_TEMPORAL_UI_URL must be an http or https URL: ${configured}`);
    return configured.replace(/\/+$/, '');
  }
  const host = address?.replace(/:\d+$/, '').toLowerCase();
  if (host && (host.endsWith('.tmprl.cloud') || host.endsWith('.api.temporal.io'))) return CLOUD_UI;
  return undefined;
}

/** The page of one run in the Temporal Web UI. */
export function workflowUiLink(uiUrl: string, namespace: string, workflowId: string, runId: string): string {
  const part = encodeURIComponent;
  return `${uiUrl.replace(/\/+$/, '')}/namespaces/${part(namespace)}/workflows/${part(workflowId)}/${part(runId)}`;
}
