import { writeFile } from 'node:fs/promises';
import type { Metric } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import type { ScenarioConfig } from '../options/scenario-config.ts';
import type { SummaryData } from '../summary/summary-data.ts';
import { BreakpointStats } from './breakpoint-stats.ts';
import { htmlReport } from './html-report.ts';
import { TenantStats } from './tenant-stats.ts';
import type { ThresholdOutcome } from './threshold-outcome.ts';
import { Timeline } from './timeline.ts';

export interface HtmlOutputOptions {
  path: string;
  script: string;
  scenarios: readonly ScenarioConfig[];
  /** Read when the report is written, after their final evaluation. */
  thresholds: readonly ThresholdOutcome[];
  /** Wall-clock ms of the start of the run: second 0 of every time axis. */
  start?: number;
}

export interface HtmlRunEnd {
  summary: SummaryData;
  exitCode: number;
  abortReason?: string;
}

/**
 * `--out html=FILE`: collects what the report needs while samples flow (per-second series, per-tenant totals,
 * per-level breakpoint figures), and writes the page once the run is over. Shaped like the runner's other
 * outputs (sample, scenarioStarted, stop).
 */
export class HtmlOutput {
  private readonly origin: number;
  private readonly timeline: Timeline;
  private readonly tenants = new TenantStats();
  private readonly breakpoints: BreakpointStats;

  constructor(private readonly o: HtmlOutputOptions) {
    this.origin = o.start ?? Date.now();
    this.timeline = new Timeline(this.origin);
    this.breakpoints = new BreakpointStats(o.scenarios, o.thresholds, this.origin);
  }

  sample = (metric: Metric, value: number, tags: Tags, time: number): void => {
    this.timeline.listener(metric, value, tags, time);
    this.tenants.listener(metric, value, tags);
    this.breakpoints.listener(metric, value, tags, time);
  };

  /** Stages count from here; call with the wall-clock time the scenario started. */
  scenarioStarted(name: string, time: number): void {
    this.breakpoints.scenarioStarted(name, time);
  }

  async stop(end: HtmlRunEnd): Promise<void> {
    const page = htmlReport({
      script: this.o.script,
      startedAt: new Date(this.origin).toISOString(),
      exitCode: end.exitCode,
      abortReason: end.abortReason,
      summary: end.summary,
      thresholds: this.o.thresholds,
      tenants: this.tenants.totals(),
      breakpoints: this.breakpoints.tables(),
      timeline: this.timeline.data(),
    });
    await writeFile(this.o.path, page);
  }
}
