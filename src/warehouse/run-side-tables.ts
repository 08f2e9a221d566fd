/**
 * Every output of a run as a table next to the segment table T, so analysts can query it with
 * plain SQL. Each table has `run_id varchar` and `created_at timestamp(3)` first, and always at
 * least one row (the write-back reads a table's run from its rows):
 *
 *   T_dictionary  position integer, column_name varchar, source_type varchar, treatment varchar,
 *                 reason varchar, null_count bigint, distinct_count bigint, encoding varchar
 *                 (the dictionary entry as JSON: the encoding rules the model applies)
 *   T_scores      k integer, inertia double, silhouette double, calinski_harabasz double,
 *                 stability double, reference_silhouette double, sample_size integer, chosen boolean
 *   T_profiles    segment integer (NULL: all customers), feature varchar, statistic varchar,
 *                 category varchar, value double: size, mean, std, min, max, median, q<level>
 *                 (e.g. q0.25) for numbers; share and count per category; distance_share
 *   T_importance  feature varchar, segment integer (NULL: the whole model), importance double,
 *                 margin_share double (the feature's share of the segment's assignment margin)
 *   T_moves       previous_segment integer (NULL: not in the previous run), segment integer,
 *                 customers bigint
 *
 * For a directory output the same tables are CSV files (dictionary.csv, ...).
 */
import type { DataDictionary } from '../segmentation/dictionary';
import type { SegmentationSummary } from '../segmentation/explain';
import type { KScore } from '../segmentation/scoring';
import type { OutputColumn, OutputTable, SqlValue } from './warehouse';

/** The side tables, by suffix of T's name (`T_dictionary`) or file name (`dictionary.csv`). */
export const SIDE_TABLES = ['dictionary', 'scores', 'profiles', 'importance', 'moves'] as const;
export type SideTable = (typeof SIDE_TABLES)[number];

export interface SideTableInput {
  readonly runId: string;
  readonly createdAt: Date;
  readonly dictionary: DataDictionary;
  readonly scores: readonly KScore[];
  readonly chosenK: number;
  readonly summary: SegmentationSummary;
  /** transitions[previous][new] over customers in both runs, or null without a previous run. */
  readonly transitions: number[][] | null;
}

type Row = Record<string, SqlValue>;

/** A table from `rows` with the columns `types` (name -> SQL type), run_id and created_at first. */
function table(runId: string, createdAt: Date, types: Record<string, string>, rows: Row[]): OutputTable {
  const columns: OutputColumn[] = [
    { name: 'run_id', sqlType: 'varchar', values: rows.map(() => runId) },
    { name: 'created_at', sqlType: 'timestamp(3)', values: rows.map(() => createdAt) },
    ...Object.entries(types).map(([name, sqlType]) => ({ name, sqlType, values: rows.map((r) => finiteOrNull(r[name] ?? null)) })),
  ];
  return { rowCount: rows.length, columns };
}

const finiteOrNull = (v: SqlValue): SqlValue => (typeof v === 'number' && !Number.isFinite(v) ? null : v);

function dictionaryRows(d: DataDictionary): Row[] {
  return d.columns.map((e, i) => ({
    position: i + 1,
    column_name: e.column,
    source_type: e.sourceType,
    treatment: e.treatment,
    reason: e.treatment === 'dropped' ? e.reason : null,
    null_count: e.nullCount,
    distinct_count: e.treatment === 'dropped' ? e.distinctCount : null,
    encoding: JSON.stringify(e),
  }));
}

function scoreRows(scores: readonly KScore[], chosenK: number): Row[] {
  const rows: Row[] = [...scores]
    .sort((a, b) => a.k - b.k)
    .map((s) => ({
      k: s.k,
      inertia: s.inertia,
      silhouette: s.silhouette,
      calinski_harabasz: s.calinskiHarabasz,
      stability: s.stability ?? null,
      reference_silhouette: s.referenceSilhouette ?? null,
      sample_size: s.sampleSize,
      chosen: s.k === chosenK,
    }));
  // An explicit k on a table too small to score: the chosen k still has its row.
  if (!rows.some((r) => r.chosen)) rows.push({ k: chosenK, chosen: true });
  return rows;
}

function profileRows(summary: SegmentationSummary): Row[] {
  const rows: Row[] = [];
  const add = (segment: number | null, feature: string | null, statistic: string, value: number | null, category: string | null = null) => rows.push({ segment, feature, statistic, category, value });
  for (const s of summary.segments) {
    add(s.segment, null, 'size', s.size);
    add(s.segment, null, 'share', s.share);
    for (const d of s.distanceShares) add(s.segment, d.feature, 'distance_share', d.share);
  }
  add(null, null, 'size', summary.rowCount);
  for (const p of summary.features) {
    if (p.kind === 'continuous') {
      const stats = [{ segment: null as number | null, s: p.population }, ...p.segments.map((s) => ({ segment: s.segment as number | null, s }))];
      for (const { segment, s } of stats) {
        for (const key of ['mean', 'std', 'min', 'max', 'median'] as const) add(segment, p.feature, key, s[key]);
        s.quantiles.forEach((q, i) => add(segment, p.feature, `q${p.quantileLevels[i]}`, q));
      }
    } else {
      const stats = [{ segment: null as number | null, s: p.population }, ...p.segments.map((s) => ({ segment: s.segment as number | null, s }))];
      for (const { segment, s } of stats) {
        p.categories.forEach((c, i) => {
          add(segment, p.feature, 'count', s.counts[i], c);
          add(segment, p.feature, 'share', s.shares[i], c);
        });
      }
    }
  }
  return rows;
}

function importanceRows(summary: SegmentationSummary): Row[] {
  const rows: Row[] = [];
  const margin = new Map<string, number>();
  for (const a of summary.attribution ?? []) for (const f of a.features) margin.set(`${a.segment}\u0000${f.feature}`, f.share);
  for (const f of summary.importance ?? []) {
    rows.push({ feature: f.feature, segment: null, importance: f.importance, margin_share: null });
    f.bySegment.forEach((v, s) => rows.push({ feature: f.feature, segment: s, importance: v, margin_share: margin.get(`${s}\u0000${f.feature}`) ?? null }));
  }
  // A summary without importance (older engine): the features still get a row each.
  if (rows.length === 0) for (const p of summary.features) rows.push({ feature: p.feature, segment: null, importance: null, margin_share: null });
  return rows;
}

function moveRows(summary: SegmentationSummary, transitions: number[][] | null): Row[] {
  const rows: Row[] = [];
  const stayed = new Map<number, number>();
  (transitions ?? []).forEach((row, previous) =>
    row.forEach((customers, segment) => {
      if (customers > 0) rows.push({ previous_segment: previous, segment, customers });
      stayed.set(segment, (stayed.get(segment) ?? 0) + customers);
    }),
  );
  // Customers new in this run (absent from the previous one, or no previous run): previous NULL.
  for (const s of summary.segments) {
    const fresh = s.size - (stayed.get(s.segment) ?? 0);
    if (fresh > 0 || rows.length === 0) rows.push({ previous_segment: null, segment: s.segment, customers: fresh });
  }
  return rows;
}

/** Every side table of a run (see the module comment). */
export function sideTables(input: SideTableInput): Record<SideTable, OutputTable> {
  const { runId, createdAt } = input;
  const t = (types: Record<string, string>, rows: Row[]) => table(runId, createdAt, types, rows);
  return {
    dictionary: t(
      { position: 'integer', column_name: 'varchar', source_type: 'varchar', treatment: 'varchar', reason: 'varchar', null_count: 'bigint', distinct_count: 'bigint', encoding: 'varchar' },
      dictionaryRows(input.dictionary),
    ),
    scores: t(
      { k: 'integer', inertia: 'double', silhouette: 'double', calinski_harabasz: 'double', stability: 'double', reference_silhouette: 'double', sample_size: 'integer', chosen: 'boolean' },
      scoreRows(input.scores, input.chosenK),
    ),
    profiles: t({ segment: 'integer', feature: 'varchar', statistic: 'varchar', category: 'varchar', value: 'double' }, profileRows(input.summary)),
    importance: t({ feature: 'varchar', segment: 'integer', importance: 'double', margin_share: 'double' }, importanceRows(input.summary)),
    moves: t({ previous_segment: 'integer', segment: 'integer', customers: 'bigint' }, moveRows(input.summary, input.transitions)),
  };
}

/** The side table's name next to the segment table `target` (`catalog.schema.t` -> `catalog.schema.t_scores`). */
export const sideTableName = (target: string, side: SideTable): string => `${target}_${side}`;
