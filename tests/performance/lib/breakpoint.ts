import type { SummaryData } from './summary-data.ts';

/**
 * A stair-step ramp: each level is reached in `rampSeconds` and held for `holdSeconds`. Requests are attributed to
 * the level of the stair they run on, so each level gets its own p95 and error rate, and the breakpoint is the
 * highest level whose numbers stay under the SLO. (A cumulative p95 over the whole ramp cannot say where it broke.)
 */
export interface BreakpointPlan {
  levels: number[];
  rampSeconds: number;
  holdSeconds: number;
  /** The SLO: p(95) below this many ms… */
  sloP95Ms: number;
  /** …and a failed-request rate below this. */
  sloErrorRate: number;
}

export interface RampStage {
  duration: string;
  target: number;
}

export function stairStages(plan: BreakpointPlan): RampStage[] {
  return plan.levels.flatMap((target) => [
    { duration: `${plan.rampSeconds}s`, target },
    { duration: `${plan.holdSeconds}s`, target },
  ]);
}

export function plannedSeconds(plan: BreakpointPlan): number {
  return plan.levels.length * (plan.rampSeconds + plan.holdSeconds);
}

/** The level whose stair (ramp + hold) contains `elapsedMs` since the scenario started. */
export function levelAt(plan: BreakpointPlan, elapsedMs: number): number {
  const i = Math.floor(Math.max(0, elapsedMs) / 1000 / (plan.rampSeconds + plan.holdSeconds));
  return plan.levels[Math.min(i, plan.levels.length - 1)]!;
}

const pad = (vus: number): string => String(vus).padStart(3, '0');
export const levelDurationMetric = (vus: number): string => `breakpoint_vus_${pad(vus)}_req_duration`;
export const levelFailedMetric = (vus: number): string => `breakpoint_vus_${pad(vus)}_req_failed`;

export interface LevelResult {
  vus: number;
  requests: number;
  /** Requests per second over the stair (ramp + hold); approximate for a stair cut short by an abort. */
  rps: number;
  p95Ms: number | null;
  errorRate: number | null;
  /** null: the level was never reached (the run aborted or stopped before it). */
  ok: boolean | null;
}

export interface BreakpointResult {
  slo: { p95Ms: number; errorRate: number };
  levels: LevelResult[];
  /** The highest level at which the SLO held, with every level below it holding too. */
  sustainedVus: number | null;
  sustainedRps: number | null;
  /** The first level that broke the SLO, if any. */
  brokenAtVus: number | null;
  /** The level with the highest throughput: past it, more VUs only queue (the saturation knee). */
  peakVus: number | null;
  peakRps: number | null;
  verdict: string;
}

const ms = (v: number | null): string => (v === null ? '–' : `${v.toFixed(0)} ms`);
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);

export function breakpointResult(data: SummaryData, plan: BreakpointPlan): BreakpointResult {
  const stairSeconds = plan.rampSeconds + plan.holdSeconds;
  const levels: LevelResult[] = plan.levels.map((vus) => {
    const d = data.metrics[levelDurationMetric(vus)];
    const f = data.metrics[levelFailedMetric(vus)];
    const requests = f ? (f.values.passes ?? 0) + (f.values.fails ?? 0) : 0;
    if (!requests) return { vus, requests: 0, rps: 0, p95Ms: null, errorRate: null, ok: null };
    const p95Ms = d?.values['p(95)'] ?? null;
    const errorRate = f?.values.rate ?? null;
    const ok = p95Ms !== null && errorRate !== null && p95Ms < plan.sloP95Ms && errorRate < plan.sloErrorRate;
    return { vus, requests, rps: Math.round((requests / stairSeconds) * 10) / 10, p95Ms, errorRate, ok };
  });
  let sustained: LevelResult | null = null;
  let broken: LevelResult | null = null;
  for (const l of levels) {
    if (l.ok === null) break;
    if (!l.ok) {
      broken = l;
      break;
    }
    sustained = l;
  }
  const peak = levels.reduce<LevelResult | null>(
    (best, l) => (l.requests && (!best || l.rps > best.rps) ? l : best),
    null,
  );
  const slo = `p95 < ${plan.sloP95Ms} ms, errors < ${plan.sloErrorRate * 100}%`;
  const top = plan.levels[plan.levels.length - 1]!;
  let verdict: string;
  if (broken) {
    verdict =
      `breakpoint: the SLO (${slo}) ` +
      (sustained
        ? `held up to ${sustained.vus} VUs (${sustained.rps} req/s)`
        : 'did not hold even at the first level') +
      `; broken at ${broken.vus} VUs (p95 ${ms(broken.p95Ms)}, errors ${pct(broken.errorRate)})`;
  } else if (sustained && sustained.vus === top) {
    verdict = `breakpoint not reached: the SLO (${slo}) held at every level up to ${top} VUs (${sustained.rps} req/s)`;
  } else if (sustained) {
    verdict = `the SLO (${slo}) held up to ${sustained.vus} VUs (${sustained.rps} req/s); higher levels did not run`;
  } else {
    verdict = 'breakpoint unknown: the scaling_breakpoint scenario made no requests';
  }
  if (peak && levels.length > 1) verdict += `; throughput peaked at ${peak.vus} VUs (${peak.rps} req/s)`;
  return {
    slo: { p95Ms: plan.sloP95Ms, errorRate: plan.sloErrorRate },
    levels,
    sustainedVus: sustained?.vus ?? null,
    sustainedRps: sustained?.rps ?? null,
    brokenAtVus: broken?.vus ?? null,
    peakVus: peak?.vus ?? null,
    peakRps: peak?.rps ?? null,
    verdict,
  };
}
