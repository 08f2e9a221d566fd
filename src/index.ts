/**
 * autoseg as a library (`import ... from 'autoseg'` after `npm run build`).
 *
 * - Start a run from a service or script: `startSegmentation(client, input)`; the input is a
 *   `RunConfigInput` (only `source`, `output` and `userId` are required, the rest has defaults).
 * - Start it from your own Temporal workflow: import `segmentationWorkflow` from
 *   `autoseg/workflows` (workflow-safe: no Node APIs) and `executeChild` it on the autoseg
 *   workers' task queue (`TASK_QUEUE`, or whatever AUTOSEG_TASK_QUEUE the workers use).
 * - Host workers in your own process: `createWorker(connection, options)`.
 * - Segment in process, without Temporal: `segment(table, options)` and the rest of the engine.
 */
export { segment, type SegmentationResult } from './segmentation';
export * as engine from './segmentation';
export { parseRunConfig, runConfigSchema, RunConfigError, type RunConfig, type RunConfigInput, type SourceSpec, type OutputSpec } from './config/runConfig';
export { startSegmentation } from './config/runStart';
export type { RunSummary } from './activities/types';
export { TASK_QUEUE } from './shared/constants';
export { createWorker, type AutosegWorkerOptions } from './worker';
export { DuckDBWarehouse, TrinoWarehouse, WarehouseInputError, WarehouseUnavailableError, isRetryableWarehouseError, type Source, type Warehouse } from './warehouse';
