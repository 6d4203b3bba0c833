import type { ThresholdOutcome } from './threshold-outcome.ts';

export interface RunVerdict {
  passed: boolean;
  failed: ThresholdOutcome[];
  total: number;
}

/**
 * PASSED when every threshold passed and nothing aborted the run: the runner's exit 0. Any other exit code
 * (99 thresholds, 105 interrupted, 108 aborted by the script) is FAILED, so the page never disagrees with CI.
 */
export function runVerdict(
  exitCode: number,
  abortReason: string | undefined,
  thresholds: readonly ThresholdOutcome[],
): RunVerdict {
  const failed = thresholds.filter((t) => !t.ok);
  return { passed: exitCode === 0 && !abortReason && failed.length === 0, failed, total: thresholds.length };
}
