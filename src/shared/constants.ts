/** Names shared by the client, the worker and the workflows (no environment reads: workflows import this). */
export const TASK_QUEUE = 'autoseg';
export const DEFAULT_NAMESPACE = 'default';
/** Rows per page requested from a warehouse scan and per heartbeat. */
export const SCAN_BATCH_ROWS = 10_000;
