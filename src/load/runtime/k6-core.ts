import type { VuState } from './vu-state.ts';

/** The `k6` module: check, group, sleep, fail, randomSeed. */
export function createK6Core(state: VuState) {
  function check<T>(value: T, sets: Record<string, unknown>, tags: Record<string, unknown> = {}): boolean {
    let all = true;
    for (const [name, predicate] of Object.entries(sets)) {
      const ok = Boolean(typeof predicate === 'function' ? predicate(value) : predicate);
      const extra = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
      state.sample('checks', ok ? 1 : 0, { ...state.tags(), ...extra, check: name });
      all &&= ok;
    }
    return all;
  }

  function group<T>(name: string, fn: () => T): T {
    if (name.includes('::')) throw new Error(`group and check names may not contain "::": ${name}`);
    if (state.inInit) throw new Error('group() is not supported in the init context');
    const parent = state.groupPath;
    state.groupPath = `${parent}::${name}`;
    const start = performance.now();
    try {
      return fn();
    } finally {
      state.sample('group_duration', performance.now() - start, state.tags());
      state.groupPath = parent;
    }
  }

  function sleep(seconds: number): void {
    state.sleep(Number(seconds));
  }

  function fail(message = ''): never {
    throw new Error(message);
  }

  /** k6 seeds Math.random per VU; a small PRNG (mulberry32) gives the same repeatability. */
  function randomSeed(seed: number): void {
    let a = seed >>> 0;
    Math.random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  return { check, group, sleep, fail, randomSeed };
}
