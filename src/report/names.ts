import type { SummaryFile } from '../activities/finish';
import { displayName, type DisplayNames } from '../segmentation/labels';

/**
 * The names the report shows columns by: the run config's `labels` (column name -> human name)
 * where it gives one, else the column name. Chart data keeps the column name (`feature`) beside
 * the shown one, so it can be compared with summary.json.
 */
export type Namer = (feature: string) => string;

/** The run's human column names (none for summaries made before `labels` existed). */
export function namesOf(summary: Pick<SummaryFile, 'config'>): DisplayNames {
  return (summary.config as { labels?: DisplayNames }).labels ?? {};
}

export function namer(summary: Pick<SummaryFile, 'config'>): Namer {
  const names = namesOf(summary);
  return (feature) => displayName(feature, names);
}

/** Column names as they are (a chart built without a summary's config). */
export const asIs: Namer = (feature) => feature;
