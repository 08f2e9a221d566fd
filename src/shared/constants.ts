/** Names shared by the client, the worker and the workflows (no environment reads: workflows import this). */
export const TASK_QUEUE = 'autoseg';
export const DEFAULT_NAMESPACE = 'default';
