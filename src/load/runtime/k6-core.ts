import { callAsync, Pending, withAsyncForm } from './async-calls.ts';
import type { VuState } from './vu-state.ts';

/**
 * The `k6` module: check, group, sleep, fail, randomSeed. `math` is the Math the script sees (its own
 * per VU when VUs share a thread). When they do, check, group and sleep also get the forms that
 * transformed call sites use (runtime/async-calls.ts): they wait without blocking the thread.
 */
export function createK6Core(state: VuState, math: { random: () => number } = Math) {
  function check<T>(value: T, sets: Record<string, unknown>, tags: Record<string, unknown> = {}): boolean {
    let all = true;
    for (const [name, predicate] of Object.entries(sets)) {
      const ok = Boolean(typeof predicate === 'function' ? predicate(value) : predicate);
      all = record(name, ok, tags) && all;
    }
    return all;
  }

  function record(name: string, ok: boolean, tags: Record<string, unknown>): boolean {
    const extra = Object.fromEntries(Object.entries(tags).map(([k, v]) => [k, String(v)]));
    state.sample('checks', ok ? 1 : 0, { ...state.tags(), ...extra, check: name });
    return ok;
  }

  /** check() from transformed code: a predicate that waits (it makes a request) is awaited in order. */
  function checkShared(value: unknown, sets: Record<string, unknown>, tags: Record<string, unknown> = {}): unknown {
    const entries = Object.entries(sets);
    let all = true;
    for (let i = 0; i < entries.length; i++) {
      const [name, predicate] = entries[i];
      const r = typeof predicate === 'function' ? callAsync(undefined, predicate, [value], name) : predicate;
      if (r instanceof Pending) {
        return new Pending(
          (async () => {
            all = record(name, Boolean(await r.p), tags) && all;
            for (const [n, p] of entries.slice(i + 1)) {
              const v = typeof p === 'function' ? callAsync(undefined, p, [value], n) : p;
              all = record(n, Boolean(v instanceof Pending ? await v.p : v), tags) && all;
            }
            return all;
          })(),
        );
      }
      all = record(name, Boolean(r), tags) && all;
    }
    return all;
  }

  /** group() from transformed code: the group stays open until its function's twin settles. */
  function groupShared(name: string, fn: () => unknown): unknown {
    if (name.includes('::')) throw new Error(`group and check names may not contain "::": ${name}`);
    if (state.inInit) throw new Error('group() is not supported in the init context');
    const parent = state.groupPath;
    state.groupPath = `${parent}::${name}`;
    const start = performance.now();
    const end = () => {
      state.sample('group_duration', performance.now() - start, state.tags());
      state.groupPath = parent;
    };
    let r: unknown;
    try {
      // 'fn': the callee the synchronous group() names when fn is not a function.
      r = callAsync(undefined, fn, [], 'fn');
    } catch (e) {
      end();
      throw e;
    }
    if (!(r instanceof Pending)) {
      end();
      return r;
    }
    return new Pending(r.p.finally(end));
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
    math.random = () => {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  if (state.shared) {
    withAsyncForm(check, checkShared);
    withAsyncForm(group, groupShared);
    withAsyncForm(sleep, (seconds: unknown) => new Pending(state.sleepShared(Number(seconds))));
  }
  return { check, group, sleep, fail, randomSeed };
}
