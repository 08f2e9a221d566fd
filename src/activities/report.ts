import type { Reported, RunRef } from './types';
import { activity } from './runtime';

/**
 * Stage 8: the HTML report. Not built yet (issue 5): this stage writes nothing and says so,
 * so that the pipeline's shape and the CLI's output do not change when it arrives.
 */
export async function writeReport(_input: RunRef): Promise<Reported> {
  return activity(async () => ({ report: null }));
}
