import { callAsync, Pending, withAsyncForm } from './async-calls.ts';
import { customUserTags } from './custom-user-tags.ts';
import { isAsyncFunction } from './is-async-function.ts';
import type { VuState } from './vu-state.ts';

// k6's texts for what check() and group() refuse (internal/js/modules/k6/k6.go, lib/models.go).
const SEPARATOR = "group and check names may not contain '::'";
const CHECK_IN_INIT = 'Using check() in the init context is not supported';
const GROUP_IN_INIT = 'Using group() in the init context is not supported';
const GROUP_WITHOUT_CALLBACK = 'group() requires a callback as a second argument';
const NO_CHECKS = 'no checks provided to `check`';
const ASYNC_CHECK =
  'the built-in check() does not support async functions as arguments. Use the JavaScript utils library as a ' +
  'replacement. Refer to https://grafana.com/docs/k6/latest/javascript-api/jslib/utils/check/ for more info';
const ASYNC_GROUP =
  'group() does not support async functions as arguments, please see ' +
  'https://grafana.com/docs/k6/latest/javascript-api/k6/group/ for more info';

/**
 * check()'s named checks, as k6 reads them (ToObject, then its keys): none given is k6's error, before the tags
 * are read (a script's `check(res)` threw a TypeError here, "Cannot convert undefined or null to object").
 */
function checkEntries(sets: unknown): [string, unknown][] {
  if (sets === undefined) throw new Error(NO_CHECKS);
  return Object.entries(sets as object);
}

/**
 * The `k6` module: check, group, sleep, fail, randomSeed. `math` is the Math the script sees (its own
 * per VU when VUs share a thread). When they do, check, group and sleep also get the forms that
 * transformed call sites use (runtime/async-calls.ts): they wait without blocking the thread.
 */
export function createK6Core(state: VuState, math: { random: () => number } = Math) {
  function record(name: string, ok: boolean, tags: Record<string, string>): boolean {
    state.sample('checks', ok ? 1 : 0, { ...state.tags(), ...tags, check: name });
    return ok;
  }

  /**
   * One check's value, from `call` when its predicate is a function. As in k6's Check(): a name with `::` or
   * an async predicate stops check() before that check is recorded, and a predicate that throws counts as a
   * failed check, then its exception ends check() (the checks after it are not run).
   */
  function outcome(
    name: string,
    predicate: unknown,
    tags: Record<string, string>,
    call: (fn: unknown) => unknown,
  ): unknown {
    if (name.includes('::')) throw new Error(SEPARATOR);
    if (typeof predicate !== 'function') return predicate;
    if (isAsyncFunction(predicate)) throw new Error(ASYNC_CHECK);
    try {
      return call(predicate);
    } catch (e) {
      record(name, false, tags);
      throw e;
    }
  }

  function check<T>(value: T, sets: Record<string, unknown>, userTags?: unknown): boolean {
    if (state.inInit) throw new Error(CHECK_IN_INIT);
    const entries = checkEntries(sets);
    // As k6's Check(): the tags are read, and refused, before any check runs.
    const tags = customUserTags(userTags);
    let all = true;
    for (const [name, predicate] of entries) {
      const v = outcome(name, predicate, tags, (fn) => (fn as (x: T) => unknown)(value));
      all = record(name, Boolean(v), tags) && all;
    }
    return all;
  }

  /** check() from transformed code: a predicate that waits (it makes a request) is awaited in order. */
  function checkShared(value: unknown, sets: Record<string, unknown>, userTags?: unknown): unknown {
    if (state.inInit) throw new Error(CHECK_IN_INIT);
    const entries = checkEntries(sets);
    const tags = customUserTags(userTags);
    const call = (name: string) => (fn: unknown) => callAsync(undefined, fn, [value], name);
    const settled = async (name: string, r: unknown) => {
      if (!(r instanceof Pending)) return r;
      try {
        return await r.p;
      } catch (e) {
        record(name, false, tags);
        throw e;
      }
    };
    let all = true;
    for (let i = 0; i < entries.length; i++) {
      const [name, predicate] = entries[i];
      const r = outcome(name, predicate, tags, call(name));
      if (r instanceof Pending) {
        return new Pending(
          (async () => {
            all = record(name, Boolean(await settled(name, r)), tags) && all;
            for (const [n, p] of entries.slice(i + 1))
              all = record(n, Boolean(await settled(n, outcome(n, p, tags, call(n)))), tags) && all;
            return all;
          })(),
        );
      }
      all = record(name, Boolean(r), tags) && all;
    }
    return all;
  }

  /** What group() checks before it opens the group, in k6's order. */
  function enterGroup(name: string, fn: unknown): string {
    if (state.inInit) throw new Error(GROUP_IN_INIT);
    if (typeof fn !== 'function') throw new Error(GROUP_WITHOUT_CALLBACK);
    if (isAsyncFunction(fn)) throw new Error(ASYNC_GROUP);
    if (String(name).includes('::')) throw new Error(SEPARATOR);
    const parent = state.groupPath;
    state.groupPath = `${parent}::${name}`;
    return parent;
  }

  /** group() from transformed code: the group stays open until its function's twin settles. */
  function groupShared(name: string, fn: () => unknown): unknown {
    const parent = enterGroup(name, fn);
    const start = performance.now();
    const end = () => {
      state.sample('group_duration', performance.now() - start, state.tags());
      state.groupPath = parent;
    };
    let r: unknown;
    try {
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
    const parent = enterGroup(name, fn);
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
