import { segmentAttribution } from './attribution';
import type { FeatureColumn, DataDictionary } from './dictionary';
import type { SegmentationSummary } from './explain';
import { permutationImportance } from './importance';
import type { Matrix } from './matrix';
import { segmentRules } from './rules';
import type { ColumnarTable } from './table';

/**
 * What drives the segments, beyond the per-feature profiles: which features the assignment rests
 * on (permutation importance) and why customers are where they are (margin attribution), both
 * on a seeded sample of the matrix, and one readable rule per segment on the same customers'
 * source values. `table` holds the matrix's rows (same order), `labels` their segments.
 */
export function segmentDrivers(
  m: Matrix,
  centroids: Float64Array,
  k: number,
  plan: { readonly dictionary: DataDictionary; readonly featureColumns: FeatureColumn[] },
  seed: number,
  table: ColumnarTable,
  labels: Int32Array,
): Pick<SegmentationSummary, 'importance' | 'attribution' | 'rules'> {
  return {
    importance: permutationImportance(m, centroids, k, plan.featureColumns, { seed }),
    attribution: segmentAttribution(m, centroids, k, plan.featureColumns, { seed }),
    rules: segmentRules(table, plan.dictionary, labels, k, { seed }),
  };
}
