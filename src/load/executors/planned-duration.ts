import type { ScenarioConfig } from '../options/scenario-config.ts';

/** A scenario's planned length in ms: its duration, its stages, or maxDuration for iteration executors. */
export function plannedDuration(s: ScenarioConfig): number {
  if ('duration' in s) return s.duration;
  if ('stages' in s) return s.stages.reduce((sum, st) => sum + st.duration, 0);
  return s.maxDuration;
}
