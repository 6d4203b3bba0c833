import { aggregate } from '../metrics/aggregate.ts';
import type { Metric } from '../metrics/metric-engine.ts';
import { createSink, RateSink, sinkCount, type MetricSink } from '../metrics/metric-sink.ts';
import type { Tags } from '../metrics/metric-types.ts';
import { parseMetricSelector, type MetricSelector } from '../metrics/parse-metric-selector.ts';
import type { ScenarioConfig, Stage } from '../options/scenario-config.ts';
import { TrendSink } from '../metrics/trend-sink.ts';
import { compareThreshold } from '../thresholds/parse-threshold.ts';
import type { ThresholdOutcome } from './threshold-outcome.ts';

export interface BreakpointLevel {
  /** What the level ramps to and holds: VUs, or iterations per time unit for an arrival-rate ramp. */
  target: number;
  /** The level's planned window in seconds from the start of the run; null when the scenario never started. */
  fromS: number | null;
  toS: number | null;
  requests: number;
  /** Requests per second over the part of the window the scenario ran. */
  rps: number | null;
  p95Ms: number | null;
  errorRate: number | null;
  /** The scenario's abortOnFail thresholds evaluated on this level's samples alone. */
  thresholds: ThresholdOutcome[];
  /** null: the level made no request (never reached, or the run stopped before it). */
  held: boolean | null;
}

export interface BreakpointTable {
  scenario: string;
  /** "VUs", or "iterations/s" and the like for an arrival-rate ramp. */
  unit: string;
  levels: BreakpointLevel[];
  /** The highest level that held with every level before it holding too. */
  sustained: BreakpointLevel | null;
  /** The first level that broke. */
  broken: BreakpointLevel | null;
  /** The level with the most requests per second: past it, more load only queues. */
  peak: BreakpointLevel | null;
}

interface PlannedLevel {
  target: number;
  fromMs: number;
  toMs: number;
}

interface Rule {
  threshold: ThresholdOutcome;
  selector: MetricSelector;
}

interface LevelSinks {
  requests: number;
  duration: TrendSink;
  failed: RateSink;
  /** One sink per threshold key. */
  rules: Map<string, MetricSink>;
}

interface Tracked {
  name: string;
  unit: string;
  plan: PlannedLevel[];
  rules: Rule[];
  sinks: LevelSinks[];
  start?: number;
  lastElapsedMs: number;
}

/**
 * Consecutive stages with the same target are one level (a ramp and the hold after it, as in a stair-step
 * breakpoint ramp): their samples are judged together. Stages of no length that lead nowhere are dropped.
 */
export function plannedLevels(stages: readonly Stage[]): PlannedLevel[] {
  const levels: PlannedLevel[] = [];
  let at = 0;
  for (const st of stages) {
    const last = levels[levels.length - 1];
    if (last && last.target === st.target) last.toMs += st.duration;
    else levels.push({ target: st.target, fromMs: at, toMs: at + st.duration });
    at += st.duration;
  }
  return levels.filter((l) => l.toMs > l.fromMs);
}

const rateUnit = (timeUnitMs: number): string =>
  timeUnitMs === 1000 ? 'iterations/s' : timeUnitMs === 60_000 ? 'iterations/min' : `iterations/${timeUnitMs} ms`;

/**
 * Per-level latency, errors and threshold verdicts of each breakpoint scenario: a ramping scenario with an
 * abortOnFail threshold that applies to it (scoped to it with `{scenario:NAME}`, or to no scenario), which is how
 * k6 describes a breakpoint test. The abortOnFail thresholds themselves are cumulative over the whole ramp, so they
 * cannot say at which level the system broke; evaluated on each level's samples alone, they can.
 * Samples are attributed by the time they were recorded (a request's end).
 */
export class BreakpointStats {
  private readonly tracked = new Map<string, Tracked>();

  constructor(
    scenarios: readonly ScenarioConfig[],
    thresholds: readonly ThresholdOutcome[],
    private readonly runStart: number,
  ) {
    for (const s of scenarios) {
      if (s.executor !== 'ramping-vus' && s.executor !== 'ramping-arrival-rate') continue;
      const rules: Rule[] = [];
      for (const t of thresholds) {
        const selector = parseMetricSelector(t.key);
        const scoped = selector?.tags.find(([k]) => k === 'scenario');
        if (t.abortOnFail && selector && (!scoped || scoped[1] === s.name)) rules.push({ threshold: t, selector });
      }
      if (!rules.length) continue;
      const plan = plannedLevels(s.stages);
      this.tracked.set(s.name, {
        name: s.name,
        unit: s.executor === 'ramping-vus' ? 'VUs' : rateUnit(s.timeUnit),
        plan,
        rules,
        sinks: plan.map(() => ({ requests: 0, duration: new TrendSink(), failed: new RateSink(), rules: new Map() })),
        lastElapsedMs: -1,
      });
    }
  }

  /** The wall-clock time (ms) a scenario started; its stages count from there. */
  scenarioStarted(name: string, time: number): void {
    const t = this.tracked.get(name);
    if (t) t.start = time;
  }

  listener = (metric: Metric, value: number, tags: Tags, time: number): void => {
    const t = this.tracked.get(tags.scenario ?? '');
    if (!t || t.start === undefined) return;
    const elapsed = time - t.start;
    if (elapsed < 0) return;
    // Samples after the last stage (graceful ramp-down and stop) belong to the last level.
    let i = t.plan.length - 1;
    while (i > 0 && t.plan[i].fromMs > elapsed) i--;
    if (i < 0) return;
    t.lastElapsedMs = Math.max(t.lastElapsedMs, elapsed);
    const s = t.sinks[i];
    if (metric.name === 'http_reqs') s.requests += value;
    else if (metric.name === 'http_req_duration') s.duration.add(value);
    else if (metric.name === 'http_req_failed') s.failed.add(value);
    for (const r of t.rules) {
      if (r.selector.metric !== metric.name || !r.selector.tags.every(([k, v]) => tags[k] === v)) continue;
      let sink = s.rules.get(r.threshold.key);
      if (!sink) s.rules.set(r.threshold.key, (sink = createSink(metric.type)));
      sink.add(value);
    }
  };

  tables(): BreakpointTable[] {
    return [...this.tracked.values()].map((t) => {
      const levels = t.plan.map((p, i) => this.level(t, p, t.sinks[i], i === t.plan.length - 1));
      let sustained: BreakpointLevel | null = null;
      let broken: BreakpointLevel | null = null;
      for (const l of levels) {
        if (l.held === null) break;
        if (!l.held) {
          broken = l;
          break;
        }
        if (!sustained || l.target > sustained.target) sustained = l;
      }
      const peak = levels.reduce<BreakpointLevel | null>(
        (best, l) => (l.rps !== null && l.requests > 0 && (!best || l.rps > (best.rps ?? 0)) ? l : best),
        null,
      );
      return { scenario: t.name, unit: t.unit, levels, sustained, broken, peak };
    });
  }

  private level(t: Tracked, p: PlannedLevel, s: LevelSinks, last: boolean): BreakpointLevel {
    const offset = t.start === undefined ? null : (t.start - this.runStart) / 1000;
    // The last level also holds what finished after the stages (graceful ramp-down), so its time runs on too.
    const ranMs = (last ? t.lastElapsedMs : Math.min(p.toMs, t.lastElapsedMs)) - p.fromMs;
    const thresholds: ThresholdOutcome[] = [];
    for (const r of t.rules) {
      const sink = s.rules.get(r.threshold.key);
      // A metric without samples on this level says nothing about it (k6 would compare a 0).
      if (!sink || sinkCount(sink) === 0) continue;
      const observed = aggregate(sink, r.threshold.aggregation, Math.max(1, ranMs)) ?? 0;
      const ok = compareThreshold(observed, r.threshold.operator, r.threshold.value);
      const { key, source, aggregation, operator, value, abortOnFail } = r.threshold;
      thresholds.push({ key, source, aggregation, operator, value, abortOnFail, observed, ok });
    }
    const ran = s.requests > 0 || thresholds.length > 0;
    return {
      target: p.target,
      fromS: offset === null ? null : offset + p.fromMs / 1000,
      toS: offset === null ? null : offset + p.toMs / 1000,
      requests: s.requests,
      rps: s.requests > 0 && ranMs > 0 ? s.requests / (ranMs / 1000) : null,
      p95Ms: s.duration.count ? s.duration.p(0.95) : null,
      errorRate: s.failed.total ? s.failed.rate : null,
      thresholds,
      held: ran ? thresholds.every((x) => x.ok) : null,
    };
  }
}
