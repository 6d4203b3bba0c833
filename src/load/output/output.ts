import type { Metric } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import type { SummaryData } from '../summary/summary-data.ts';

/** What an output learns when the run is over. */
export interface RunEnd {
  summary: SummaryData;
  exitCode: number;
  abortReason?: string;
}

/**
 * Where a run's results go (k6's output.Output: Start, AddMetricSamples, Stop): the NDJSON points, the
 * summary export, the HTML report, the progress display. The scheduler calls start() before setup(),
 * hands every sample to sample() as it reaches the metric engine, tells when scenarios start and end,
 * and calls stop() once, with the summary, after teardown().
 */
export interface Output {
  start?(): void;
  sample?(metric: Metric, value: number, tags: Tags, time: number): void;
  /** time is wall-clock epoch ms. */
  scenarioStarted?(name: string, time: number): void;
  scenarioFinished?(name: string): void;
  stop(end: RunEnd): Promise<void> | void;
}
