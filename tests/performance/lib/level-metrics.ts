import { Rate, Trend } from 'k6/metrics';
import { levelDurationMetric, levelFailedMetric, type BreakpointPlan } from './breakpoint.ts';

export interface LevelMetrics {
  duration: Trend;
  failed: Rate;
}

/**
 * One Trend and one Rate per level, created in the init context (k6 allows no new metrics later). Plain metrics
 * rather than tagged sub-metrics: a sub-metric only reaches the summary through a threshold, and thirty always-true
 * thresholds would bury the real ones.
 */
export function levelMetrics(plan: BreakpointPlan): Record<number, LevelMetrics> {
  const out: Record<number, LevelMetrics> = {};
  for (const vus of plan.levels) {
    out[vus] = { duration: new Trend(levelDurationMetric(vus), true), failed: new Rate(levelFailedMetric(vus)) };
  }
  return out;
}
