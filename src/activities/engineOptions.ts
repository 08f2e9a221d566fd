import type { RunConfig } from '../config/runConfig';
import type { SegmentationOptions } from '../segmentation/options';

/** The engine's options out of a run config (the run config extends the engine's schema). */
export function engineOptions(config: RunConfig): SegmentationOptions {
  const {
    source: _source,
    output: _output,
    runKey: _runKey,
    keepStage: _keepStage,
    deadlineMinutes: _deadline,
    engine: _engine,
    engineThreshold: _threshold,
    trainingSampleSize: _training,
    ...options
  } = config;
  return options;
}
