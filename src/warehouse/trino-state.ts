/**
 * The names a run's write-back uses (targets, `__stage_<tag>`, `__old_<tag>`, the lock), and the
 * state it reads back from Trino before every decision: which of those tables exist, which run
 * each target holds (its run_id and created_at), how many rows each staging table holds.
 */
import { WarehouseInputError } from './errors';
import { quoteIdentifier, quoteTableRef, runTag, tableName, withTableName, type TableRef } from './identifiers';
import type { TrinoConnection } from './trino-connection';
import { isDropRace } from './trino-lock';
import { stringLiteral } from './trino-write';

export interface Slot {
  readonly target: TableRef;
  readonly stage: (tag: string) => TableRef;
  readonly old: (tag: string) => TableRef;
}

export interface Layout {
  /** T, then T_model, then the side tables (run-side-tables.ts), all swapped as one unit. */
  readonly slots: readonly [Slot, Slot, ...Slot[]];
  readonly lock: TableRef;
}

export function runLayout(segments: TableRef, model: TableRef, extras: readonly TableRef[] = []): Layout {
  const slot = (target: TableRef): Slot => ({
    target,
    stage: (tag) => withTableName(target, `${tableName(target)}__stage_${tag}`),
    old: (tag) => withTableName(target, `${tableName(target)}__old_${tag}`),
  });
  return { slots: [slot(segments), slot(model), ...extras.map(slot)], lock: withTableName(segments, `${tableName(segments)}__autoseg_lock`) };
}

export const full = (ref: TableRef): string => ref.parts.join('.');

export interface Facts {
  readonly runId: string | null;
  readonly startedAt: number | null;
}

/** Which of our tables exist, which run each target holds, and how many rows our stagings hold. */
export interface State {
  readonly names: ReadonlySet<string>;
  readonly facts: ReadonlyMap<string, Facts>;
  readonly staged: ReadonlyMap<string, number>;
  /** The targets' connector, e.g. `memory` (which has no CREATE OR REPLACE). */
  readonly connector: string | null;
}

export const has = (s: State, ref: TableRef): boolean => s.names.has(full(ref));
export const factsOf = (s: State, ref: TableRef): Facts | undefined => s.facts.get(full(ref));
export const holds = (s: State, ref: TableRef, tag: string): boolean => {
  const id = factsOf(s, ref)?.runId;
  return id !== null && id !== undefined && runTag(id) === tag;
};

const likeEscape = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

function parseTimestamp(text: unknown): number | null {
  if (typeof text !== 'string') return null;
  const ms = Date.parse(`${text.replace(' ', 'T')}Z`);
  return Number.isNaN(ms) ? null : ms;
}

const isMissing = (err: unknown, code: 'COLUMN_NOT_FOUND' | 'TABLE_NOT_FOUND'): boolean => err instanceof WarehouseInputError && err.code === code;

/**
 * One statement: each target's run (max run_id, max created_at), each staging table's row count,
 * and the catalog's connector. Fails with TABLE_NOT_FOUND if a table is missing.
 */
async function readFacts(conn: TrinoConnection, targets: readonly TableRef[], stages: readonly TableRef[]): Promise<Pick<State, 'facts' | 'staged' | 'connector'>> {
  const catalog = (targets[0] ?? stages[0])?.parts[0] ?? '';
  const cols = [
    ...targets.flatMap((t) => [`(SELECT max(run_id) FROM ${quoteTableRef(t)})`, `(SELECT CAST(max(created_at) AS varchar) FROM ${quoteTableRef(t)})`]),
    ...stages.map((t) => `(SELECT count(*) FROM ${quoteTableRef(t)})`),
    `(SELECT max(connector_name) FROM system.metadata.catalogs WHERE catalog_name = ${stringLiteral(catalog)})`,
  ];
  const facts = new Map<string, Facts>();
  const staged = new Map<string, number>();
  let row: unknown[];
  try {
    row = (await conn.execute(`SELECT ${cols.join(', ')}`)).rows[0];
  } catch (err) {
    // A target without run_id / created_at (not written by autoseg) holds no run we know.
    if (!isMissing(err, 'COLUMN_NOT_FOUND') || targets.length === 0) throw err;
    const rest = await readFacts(conn, [], stages);
    for (const t of targets) {
      try {
        for (const [k, v] of (await readFacts(conn, [t], [])).facts) facts.set(k, v);
      } catch (e) {
        if (!isMissing(e, 'COLUMN_NOT_FOUND')) throw e;
        facts.set(full(t), { runId: null, startedAt: null });
      }
    }
    return { facts, staged: rest.staged, connector: rest.connector };
  }
  targets.forEach((t, i) => {
    const id = row[2 * i];
    facts.set(full(t), { runId: typeof id === 'string' ? id : null, startedAt: parseTimestamp(row[2 * i + 1]) });
  });
  stages.forEach((t, i) => staged.set(full(t), Number(row[2 * targets.length + i])));
  const connector = row[row.length - 1];
  return { facts, staged, connector: typeof connector === 'string' ? connector : null };
}

/** Two statements: the listing of our tables (per schema), then readFacts on those that exist. */
export async function readState(conn: TrinoConnection, layout: Layout, tag?: string): Promise<State> {
  const names = new Set<string>();
  const bySchema = new Map<string, TableRef[]>();
  for (const s of layout.slots) {
    const key = s.target.parts.slice(0, 2).join('.');
    bySchema.set(key, [...(bySchema.get(key) ?? []), s.target]);
  }
  for (const [key, targets] of bySchema) {
    const [catalog, schema] = key.split('.');
    const match = targets.flatMap((t) => [`table_name = ${stringLiteral(tableName(t))}`, `table_name LIKE ${stringLiteral(`${likeEscape(tableName(t))}\\_\\_%`)} ESCAPE '\\'`]);
    const { rows } = await conn.execute(`SELECT table_name FROM ${quoteIdentifier(catalog)}.information_schema.tables WHERE table_schema = ${stringLiteral(schema)} AND (${match.join(' OR ')})`);
    for (const r of rows) names.add(`${key}.${String(r[0])}`);
  }
  const targets = layout.slots.map((s) => s.target).filter((t) => names.has(full(t)));
  const stages = tag === undefined ? [] : layout.slots.map((s) => s.stage(tag)).filter((t) => names.has(full(t)));
  return { names, ...(await readFacts(conn, targets, stages)) };
}

/** The pre-check, one statement: do both targets already hold run `tag` (a retry after a completed swap)? */
export async function alreadyWritten(conn: TrinoConnection, layout: Layout, tag: string): Promise<boolean> {
  try {
    const { facts } = await readFacts(
      conn,
      layout.slots.map((s) => s.target),
      [],
    );
    return layout.slots.every((s) => {
      const id = facts.get(full(s.target))?.runId;
      return id !== null && id !== undefined && runTag(id) === tag;
    });
  } catch (err) {
    // Only an optimisation: when in doubt (no table yet, another run swapping it), stage.
    if (isMissing(err, 'TABLE_NOT_FOUND') || isMissing(err, 'COLUMN_NOT_FOUND') || isDropRace(err)) return false;
    throw err;
  }
}
