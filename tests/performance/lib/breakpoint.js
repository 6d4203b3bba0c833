/** @typedef {import('./summary-data.js').SummaryData} SummaryData */

/**
 * A stair-step ramp: each level is reached in `rampSeconds` and held for `holdSeconds`. Requests are attributed to
 * the level of the stair they run on, so each level gets its own p95 and error rate, and the breakpoint is the
 * highest level whose numbers stay under the SLO. (A cumulative p95 over the whole ramp cannot say where it broke.)
 * @typedef {object} BreakpointPlan
 * @property {number[]} levels
 * @property {number} rampSeconds
 * @property {number} holdSeconds
 * @property {number} sloP95Ms The SLO: p(95) below this many ms…
 * @property {number} sloErrorRate …and a failed-request rate below this.
 */

/**
 * @typedef {object} RampStage
 * @property {string} duration
 * @property {number} target
 */

/**
 * @param {BreakpointPlan} plan
 * @returns {RampStage[]}
 */
export function stairStages(plan) {
  return plan.levels.flatMap((target) => [
    { duration: `${plan.rampSeconds}s`, target },
    { duration: `${plan.holdSeconds}s`, target },
  ]);
}

/**
 * @param {BreakpointPlan} plan
 * @returns {number}
 */
export function plannedSeconds(plan) {
  return plan.levels.length * (plan.rampSeconds + plan.holdSeconds);
}

/**
 * The level whose stair (ramp + hold) contains `elapsedMs` since the scenario started.
 * @param {BreakpointPlan} plan
 * @param {number} elapsedMs
 * @returns {number}
 */
export function levelAt(plan, elapsedMs) {
  const i = Math.floor(Math.max(0, elapsedMs) / 1000 / (plan.rampSeconds + plan.holdSeconds));
  return /** @type {number} */ (plan.levels[Math.min(i, plan.levels.length - 1)]);
}

const pad = (/** @type {number} */ vus) => String(vus).padStart(3, '0');
export const levelDurationMetric = (/** @type {number} */ vus) => `breakpoint_vus_${pad(vus)}_req_duration`;
export const levelFailedMetric = (/** @type {number} */ vus) => `breakpoint_vus_${pad(vus)}_req_failed`;

/**
 * @typedef {object} LevelResult
 * @property {number} vus
 * @property {number} requests
 * @property {number} rps Requests per second over the stair (ramp + hold); approximate for a stair cut short by an abort.
 * @property {number | null} p95Ms
 * @property {number | null} errorRate
 * @property {boolean | null} ok null: the level was never reached (the run aborted or stopped before it).
 */

/**
 * @typedef {object} BreakpointResult
 * @property {{ p95Ms: number; errorRate: number }} slo
 * @property {LevelResult[]} levels
 * @property {number | null} sustainedVus The highest level at which the SLO held, with every level below it holding too.
 * @property {number | null} sustainedRps
 * @property {number | null} brokenAtVus The first level that broke the SLO, if any.
 * @property {number | null} peakVus The level with the highest throughput: past it, more VUs only queue (the saturation knee).
 * @property {number | null} peakRps
 * @property {string} verdict
 */

const ms = (/** @type {number | null} */ v) => (v === null ? '–' : `${v.toFixed(0)} ms`);
const pct = (/** @type {number | null} */ v) => (v === null ? '–' : `${(v * 100).toFixed(2)}%`);

/**
 * @param {SummaryData} data
 * @param {BreakpointPlan} plan
 * @returns {BreakpointResult}
 */
export function breakpointResult(data, plan) {
  const stairSeconds = plan.rampSeconds + plan.holdSeconds;
  /** @type {LevelResult[]} */
  const levels = plan.levels.map((vus) => {
    const d = data.metrics[levelDurationMetric(vus)];
    const f = data.metrics[levelFailedMetric(vus)];
    const requests = f ? (f.values.passes ?? 0) + (f.values.fails ?? 0) : 0;
    if (!requests) return { vus, requests: 0, rps: 0, p95Ms: null, errorRate: null, ok: null };
    const p95Ms = d?.values['p(95)'] ?? null;
    const errorRate = f?.values.rate ?? null;
    const ok = p95Ms !== null && errorRate !== null && p95Ms < plan.sloP95Ms && errorRate < plan.sloErrorRate;
    return { vus, requests, rps: Math.round((requests / stairSeconds) * 10) / 10, p95Ms, errorRate, ok };
  });
  /** @type {LevelResult | null} */
  let sustained = null;
  /** @type {LevelResult | null} */
  let broken = null;
  for (const l of levels) {
    if (l.ok === null) break;
    if (!l.ok) {
      broken = l;
      break;
    }
    sustained = l;
  }
  const peak = levels.reduce(
    (best, l) => (l.requests && (!best || l.rps > best.rps) ? l : best),
    /** @type {LevelResult | null} */ (null),
  );
  const slo = `p95 < ${plan.sloP95Ms} ms, errors < ${plan.sloErrorRate * 100}%`;
  const top = /** @type {number} */ (plan.levels[plan.levels.length - 1]);
  /** @type {string} */
  let verdict;
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
