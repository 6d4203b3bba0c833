export interface TimeAxis {
  /** The domain is [0, max] seconds from the start of the run, the same on every chart. */
  max: number;
  /** Labelled tick positions in seconds, 0 and max included. */
  ticks: number[];
}

// Steps a reader counts in: whole seconds, then minutes and their usual fractions.
const STEPS = [1, 2, 5, 10, 15, 20, 30, 60, 120, 300, 600, 900, 1200, 1800, 3600, 7200];

/** An axis for a run of `seconds`: at most `maxTicks` + 1 ticks on round steps, the end rounded up to a tick. */
export function timeAxis(seconds: number, maxTicks = 8): TimeAxis {
  const span = Math.max(1, Math.ceil(seconds));
  const step = STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / 3600) * 3600;
  const max = Math.ceil(span / step) * step;
  const ticks: number[] = [];
  for (let t = 0; t <= max; t += step) ticks.push(t);
  return { max, ticks };
}
