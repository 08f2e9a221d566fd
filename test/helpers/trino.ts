import { BasicAuth, Trino } from 'trino-client';

/** The Trino server started by `npm test` (scripts/run-tests.ts). */
export function trinoUrl(): string {
  const url = process.env.TRINO_URL;
  if (!url) throw new Error('TRINO_URL is not set: run the integration tests through `npm test`, which starts Trino');
  return url;
}

/** All rows of `sql`, read straight from Trino (independently of autoseg's warehouse code). */
export async function queryRows(sql: string): Promise<unknown[][]> {
  const trino = Trino.create({ server: trinoUrl(), auth: new BasicAuth('autoseg-test') });
  const rows: unknown[][] = [];
  for await (const page of await trino.query(sql)) {
    if (page.error) throw new Error(`Trino: ${page.error.message}\n${sql}`);
    rows.push(...(page.data ?? []));
  }
  return rows;
}
