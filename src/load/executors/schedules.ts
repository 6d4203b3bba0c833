import type { Stage } from '../options/scenario-config.ts';

/**
 * The VU count changes of a ramping-vus scenario: one step each time the linear ramp
 * crosses an integer, as k6's getRawExecutionSteps does (the count is truncated
 * toward the stage's start value). `at` is ms from the scenario start.
 */
export function rampingVusSteps(startVUs: number, stages: readonly Stage[]): { at: number; vus: number }[] {
  const steps = [{ at: 0, vus: startVUs }];
  let from = startVUs;
  let start = 0;
  for (const { duration, target } of stages) {
    const delta = target - from;
    if (duration === 0) {
      if (delta !== 0) steps.push({ at: start, vus: target });
    } else {
      const n = Math.abs(delta);
      for (let k = 1; k <= n; k++) steps.push({ at: start + (duration * k) / n, vus: from + Math.sign(delta) * k });
    }
    from = target;
    start += duration;
  }
  return steps;
}

/** The VU count a ramping-vus scenario targets at time t (ms from its start). */
export function rampingVusAt(startVUs: number, stages: readonly Stage[], t: number): number {
  let vus = startVUs;
  for (const step of rampingVusSteps(startVUs, stages)) if (step.at <= t) vus = step.vus;
  return vus;
}

/** Iteration start offsets (ms) of a constant-arrival-rate scenario: evenly spaced, the first at 0. */
export function* constantArrivalTimes(rate: number, timeUnit: number, duration: number): Generator<number> {
  const interval = timeUnit / rate;
  for (let i = 0; i * interval < duration; i++) yield i * interval;
}

/**
 * Iteration start offsets (ms) of a ramping-arrival-rate scenario. The rate is linear
 * within each stage, so iteration i starts where the integral of the rate reaches i;
 * within a stage that integral is quadratic and solved exactly.
 */
export function* rampingArrivalTimes(startRate: number, timeUnit: number, stages: readonly Stage[]): Generator<number> {
  let rate = startRate / timeUnit; // iterations per ms
  let offset = 0;
  let done = 0; // iterations started so far (integral at stage start)
  let next = 0;
  for (const stage of stages) {
    const end = stage.target / timeUnit;
    const d = stage.duration;
    const total = d === 0 ? 0 : ((rate + end) / 2) * d;
    while (next < done + total) {
      const x = next - done;
      const a = d === 0 ? 0 : (end - rate) / (2 * d);
      const t = Math.abs(a) < 1e-15 ? x / rate : (-rate + Math.sqrt(Math.max(0, rate * rate + 4 * a * x))) / (2 * a);
      if (!(t < d)) break;
      yield offset + t;
      next++;
    }
    done += total;
    offset += d;
    rate = end;
  }
}
