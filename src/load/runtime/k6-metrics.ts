import { BUILTIN_METRICS } from '../metrics/builtin-metrics.ts';
import { METRIC_NAME, type ValueKind } from '../metrics/metric-types.ts';
import type { VuState } from './vu-state.ts';

type Kind = 'counter' | 'gauge' | 'rate' | 'trend';

/** The `k6/metrics` module: Counter, Gauge, Rate and Trend, registered with the main thread on creation. */
export function createK6Metrics(state: VuState) {
  // The VU's registry, built-ins first: as in k6 (metrics/registry.go NewMetric), a name is checked, and a
  // metric of another type or value kind under a known name is refused, with a JavaScript exception the
  // script can catch (an uncaught one is an init error, exit 107).
  const defined = new Map<string, { type: Kind; contains: ValueKind }>(
    BUILTIN_METRICS.map(([name, type, contains]) => [name, { type, contains }]),
  );

  function register(name: string, type: Kind, contains: 'default' | 'time'): void {
    if (!state.inInit) throw new Error('metrics must be declared in the init context');
    if (!METRIC_NAME.test(name))
      throw new Error(
        `Invalid metric name: '${name}'. Metric names must only include up to 128 ASCII letters, numbers, or ` +
          'underscores and start with a letter or an underscore.',
      );
    const known = defined.get(name);
    if (known && known.type !== type)
      throw new Error(`metric '${name}' already exists but with type ${known.type}, instead of ${type}`);
    if (known && known.contains !== contains)
      throw new Error(
        `metric '${name}' already exists but with a value type ${known.contains}, instead of ${contains}`,
      );
    if (known) return;
    defined.set(name, { type, contains });
    state.post({ t: 'metric', name, type, contains });
  }

  function makeClass(type: Kind) {
    return class {
      readonly name: string;
      constructor(name: string, isTime = false) {
        register(String(name), type, isTime === true ? 'time' : 'default');
        this.name = name;
      }
      add(value: number | boolean, tags: Record<string, unknown> = {}): boolean {
        if (state.inInit) throw new Error('Adding to metrics in the init context is not supported');
        const v = type === 'rate' ? (value ? 1 : 0) : Number(value);
        if (!Number.isFinite(v)) return false;
        const extra = Object.fromEntries(Object.entries(tags).map(([k, val]) => [k, String(val)]));
        state.sample(this.name, v, { ...state.tags(), ...extra });
        return true;
      }
    };
  }

  return {
    Counter: makeClass('counter'),
    Gauge: makeClass('gauge'),
    Rate: makeClass('rate'),
    Trend: makeClass('trend'),
  };
}
