import { BUILTIN_METRICS } from '../metrics/builtin-metrics.ts';
import { METRIC_NAME, type ValueKind } from '../metrics/metric-types.ts';
import { customUserTags } from './custom-user-tags.ts';
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
      /**
       * As k6's Metric.add (internal/js/modules/k6/metrics/metrics.go): the value as a JavaScript number, a
       * truthy 0 (`[]`, `'0'`) counting 1; no value, null or NaN is refused with k6's warning (thrown with the
       * `throw` option) and false, and is not recorded, a Rate's `undefined` or `{}` included. Tags that are not
       * strings, booleans or numbers throw.
       */
      add(...args: unknown[]): boolean {
        if (state.inInit) throw new Error('Adding to metrics in the init context is not supported');
        const name = this.name;
        const refuse = (message: string) => {
          if (state.options.throw === true) throw new Error(message);
          state.post({ t: 'log', level: 'warn', message });
          return false;
        };
        if (args.length === 0)
          return refuse(`no value was provided for metric '${name}', a number or a boolean value is expected`);
        const [value, tags] = args;
        let v = value === null ? NaN : Number(value);
        if (v === 0 && Boolean(value)) v = 1;
        if (Number.isNaN(v))
          return refuse(
            `'${limitValue(String(value))}' is an invalid value for metric '${name}', a number or a boolean value is expected`,
          );
        let extra: Record<string, string>;
        try {
          extra = customUserTags(tags);
        } catch (e) {
          throw new Error(`cannot add tags for the '${name}' custom metric: ${(e as Error).message}`);
        }
        state.sample(name, type === 'rate' ? (v !== 0 ? 1 : 0) : v, { ...state.tags(), ...extra });
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

/** k6's limitValue: a value of 100 runes or more shows its first and last 50 in the warning. */
function limitValue(v: string): string {
  const runes = [...v];
  if (runes.length < 100) return v;
  return `${runes.slice(0, 50).join('')}... omitting ${runes.length - 100} characters ...${runes.slice(-50).join('')}`;
}
