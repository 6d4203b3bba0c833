import type { Metric } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import { percentile } from '../metrics/percentile.ts';

interface Bucket {
  durations: number[];
  reqs: number;
  failed: number;
  vus: number;
}

export interface TimelinePoint {
  /** Seconds since the test start. */
  t: number;
  p50: number;
  p90: number;
  p95: number;
  p99: number;
  reqs: number;
  failed: number;
  vus: number;
}

export interface TimelineData {
  /** Wall-clock ms of second 0: the start of the run, before setup(). */
  start: number;
  /** Seconds from start to the last sample's second, included: the time axis every chart shares. */
  seconds: number;
  overall: TimelinePoint[];
  /** One series per value of the `tenant` tag. */
  tenants: Record<string, TimelinePoint[]>;
}

const newBucket = (): Bucket => ({ durations: [], reqs: 0, failed: 0, vus: 0 });

/** Per-second series of latency percentiles, request rate and errors, overall and per tenant, for the HTML report. */
export class Timeline {
  private readonly overall = new Map<number, Bucket>();
  private readonly tenants = new Map<string, Map<number, Bucket>>();
  private lastVus = 0;

  constructor(private readonly start: number) {}

  listener = (metric: Metric, value: number, tags: Tags, time: number): void => {
    const name = metric.name;
    if (name !== 'http_req_duration' && name !== 'http_req_failed' && name !== 'vus') return;
    const sec = Math.max(0, Math.floor((time - this.start) / 1000));
    if (name === 'vus') {
      this.lastVus = value;
      this.bucket(this.overall, sec).vus = value;
      return;
    }
    const targets = [this.bucket(this.overall, sec)];
    if (tags.tenant !== undefined) {
      let series = this.tenants.get(tags.tenant);
      if (!series) this.tenants.set(tags.tenant, (series = new Map()));
      targets.push(this.bucket(series, sec));
    }
    for (const b of targets) {
      if (name === 'http_req_duration') {
        b.durations.push(value);
        b.reqs++;
      } else if (value) b.failed++;
    }
  };

  private bucket(series: Map<number, Bucket>, sec: number): Bucket {
    let b = series.get(sec);
    if (!b) {
      b = newBucket();
      b.vus = this.lastVus;
      series.set(sec, b);
    }
    return b;
  }

  data(): TimelineData {
    const points = (series: Map<number, Bucket>): TimelinePoint[] =>
      [...series.entries()]
        .sort((a, b) => a[0] - b[0])
        .map(([t, b]) => {
          const sorted = Float64Array.from(b.durations).sort();
          const p = (q: number) => Number(percentile(sorted, q).toFixed(3));
          return {
            t,
            p50: p(0.5),
            p90: p(0.9),
            p95: p(0.95),
            p99: p(0.99),
            reqs: b.reqs,
            failed: b.failed,
            vus: b.vus,
          };
        });
    const overall = points(this.overall);
    return {
      start: this.start,
      seconds: overall.length ? overall[overall.length - 1].t + 1 : 1,
      overall,
      tenants: Object.fromEntries([...this.tenants.entries()].sort().map(([k, s]) => [k, points(s)])),
    };
  }
}
