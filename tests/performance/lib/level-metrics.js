import { Rate, Trend } from 'k6/metrics';
import { levelDurationMetric, levelFailedMetric } from './breakpoint.js';
/** @typedef {import('./breakpoint.js').BreakpointPlan} BreakpointPlan */

/**
 * @typedef {object} LevelMetrics
 * @property {Trend} duration
 * @property {Rate} failed
 */

/**
 * One Trend and one Rate per level, created in the init context (k6 allows no new metrics later). Plain metrics
 * rather than tagged sub-metrics: a sub-metric only reaches the summary through a threshold, and thirty always-true
 * thresholds would bury the real ones.
 * @param {BreakpointPlan} plan
 * @returns {Record<number, LevelMetrics>}
 */
export function levelMetrics(plan) {
  /** @type {Record<number, LevelMetrics>} */
  const out = {};
  for (const vus of plan.levels) {
    out[vus] = { duration: new Trend(levelDurationMetric(vus), true), failed: new Rate(levelFailedMetric(vus)) };
  }
  return out;
}
