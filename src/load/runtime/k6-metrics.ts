import type { VuState } from './vu-state.ts';

type Kind = 'counter' | 'gauge' | 'rate' | 'trend';

/** The `k6/metrics` module: Counter, Gauge, Rate and Trend, registered with the main thread on creation. */
export function createK6Metrics(state: VuState) {
  const defined = new Map<string, Kind>();

  function register(name: string, type: Kind, isTime: boolean): void {
    if (!state.inInit) throw new Error(`metric "${name}" must be created in the init context`);
    if (typeof name !== 'string' || !name) throw new Error('a metric needs a name');
    const known = defined.get(name);
    if (known && known !== type) throw new Error(`metric "${name}" is already a ${known}`);
    defined.set(name, type);
    state.post({ t: 'metric', name, type, contains: isTime ? 'time' : 'default' });
  }

  function makeClass(type: Kind) {
    return class {
      readonly name: string;
      constructor(name: string, isTime = false) {
        register(name, type, isTime === true);
        this.name = name;
      }
      add(value: number | boolean, tags: Record<string, unknown> = {}): boolean {
        if (state.inInit) throw new Error(`cannot add to metric "${this.name}" in the init context`);
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
