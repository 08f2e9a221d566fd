import type { RunConfig } from '../config/runConfig';
import { segmentationOptionsSchema, type SegmentationOptions } from '../segmentation/options';

/** The engine's option names: the keys of its own schema (the run config extends it). */
const ENGINE_KEYS = Object.keys(segmentationOptionsSchema.shape) as (keyof SegmentationOptions)[];

/**
 * The engine's options out of a run config: exactly the engine schema's keys, so a run-config
 * field added later (an output or orchestration setting) never reaches the engine's strict parse.
 */
export function engineOptions(config: RunConfig): SegmentationOptions {
  return Object.fromEntries(ENGINE_KEYS.filter((key) => config[key] !== undefined).map((key) => [key, config[key]])) as SegmentationOptions;
}
