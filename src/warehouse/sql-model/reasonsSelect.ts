/**
 * Per-customer reasons in SQL: the `reasons` option of the model SELECT. The same computation as
 * attribution.ts's `customerReasons`, with the same IEEE operations in the same order, so a
 * customer gets the same reason columns in pushdown and worker mode:
 *
 *   runner-up  u = the lowest c != segment with the smallest d_c (d_segment set to +infinity)
 *   term_f     = sum over f's matrix columns j, in order, of (C[s][j] - C[u][j]) * ((2 x_j - C[s][j]) - C[u][j])
 *   reason_t   = the feature with the t-th largest term (ties: the earlier feature)
 *
 * C[s][j] and C[u][j] are read from constant arrays of the centroids' exact DOUBLE literals.
 */
import type { SegmentationModel } from '../../segmentation/artifact';
import { featureEntries } from '../../segmentation/dictionary';
import { quoteIdentifier } from '../identifiers';
import { doubleLiteral, lowestMinimumBranches, stringLiteral } from './literals';

/** The output column of the t-th reason (1-based). */
export const reasonColumn = (t: number): string => `reason_${t}`;

/**
 * Select-list expressions for `reason_1` .. `reason_top` over a relation that has `segment`
 * (integer, NULL for an unassignable row), the matrix columns `x(j)` and the distances `d(c)`.
 * Three layers, each over the one before: `runner` adds `autoseg_runner_up`, `sorted` adds
 * `autoseg_sorted` (every feature's term, largest first), `reasons` are the output columns.
 */
export function reasonExpressions(model: SegmentationModel, top: number, x: (j: number) => string, d: (c: number) => string, segment: string): { runner: string; sorted: string; reasons: string[] } {
  const k = model.k;
  const dim = model.featureColumns.length;
  const e = (c: number): string => `(CASE WHEN ${segment} = ${c} THEN infinity() ELSE ${d(c)} END)`;
  const runner = k < 2 ? 'CAST(NULL AS integer) AS autoseg_runner_up' : `CASE WHEN ${segment} IS NULL THEN CAST(NULL AS integer)\n      ${lowestMinimumBranches(k, e)}\n    END AS autoseg_runner_up`;
  // Column j's centroid values as a constant array: element_at(array, segment + 1).
  const centroid = (j: number, which: string): string => `element_at(ARRAY[${model.centroids.map((row) => doubleLiteral(row[j])).join(', ')}], ${which} + 1)`;
  const features = featureEntries(model.dictionary);
  const terms = features.map((f) =>
    f.columns
      .filter((j) => j >= 0 && j < dim)
      .map((j) => {
        const a = centroid(j, segment);
        const b = centroid(j, 'autoseg_runner_up');
        return `(${a} - ${b}) * (((2e0 * ${x(j)}) - ${a}) - ${b})`;
      })
      .join(' + '),
  );
  const names = `ARRAY[${features.map((f) => stringLiteral(f.column)).join(', ')}]`;
  // Largest term first, then the earlier feature: the order of attribution.ts's topFeatures.
  const sorted = `array_sort(ARRAY[${terms.map((t, f) => `CAST(ROW(${t}, ${f}) AS ROW(term double, feature integer))`).join(', ')}], (p, q) -> CASE WHEN p.term > q.term THEN -1 WHEN p.term < q.term THEN 1 WHEN p.feature < q.feature THEN -1 WHEN p.feature > q.feature THEN 1 ELSE 0 END)`;
  const reasons = Array.from({ length: top }, (_, i) => {
    const t = i + 1;
    const value = t <= features.length ? `element_at(${names}, element_at(autoseg_sorted, ${t}).feature + 1)` : "''";
    return `CASE WHEN ${segment} IS NULL OR autoseg_runner_up IS NULL THEN CAST(NULL AS varchar) ELSE CAST(${value} AS varchar) END AS ${quoteIdentifier(reasonColumn(t))}`;
  });
  return { runner, sorted: `${sorted} AS autoseg_sorted`, reasons };
}
