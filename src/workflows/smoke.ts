import { proxyActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { SmokeInput } from '../activities/smoke';

const { smokeExtract, smokeScore, smokeWrite } = proxyActivities<typeof activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '1 minute',
  retry: { initialInterval: '1 second', maximumAttempts: 5 },
});

export interface SmokeResult {
  extracted: number;
  written: number;
  min: number;
  max: number;
}

/** Extract -> score -> write, passing only references and counts between activities. */
export async function smokeWorkflow(input: SmokeInput): Promise<SmokeResult> {
  const extracted = await smokeExtract(input);
  const scored = await smokeScore(input);
  const written = await smokeWrite(input);
  return { extracted: extracted.rows, written: written.rows, min: scored.min, max: scored.max };
}
