import { isAsyncFunction } from './is-async-function.ts';

/**
 * The `k6/data` module. k6 builds a SharedArray once and shares it read-only; here each
 * VU runs the builder in its own isolate and freezes the result, which keeps the same
 * read-only contract at the cost of memory per VU (see docs/load-runner.md).
 *
 * As k6 (internal/js/modules/k6/data/data.go): only in the init context, with a name, a synchronous
 * function that returns an array; the elements are kept as JSON (a Date is its ISO string, a class
 * instance a plain object without its methods), and a second SharedArray of the same name gets the
 * first one's elements without running its function.
 */
export function createK6Data(state: { inInit: boolean } = { inInit: true }) {
  const byName = new Map<string, readonly unknown[]>();
  class SharedArray {
    constructor(name: unknown, build: unknown) {
      if (!state.inInit) throw new Error('new SharedArray must be called in the init context');
      const key = String(name);
      if (key === '') throw new Error("empty name provided to SharedArray's constructor");
      if (isAsyncFunction(build))
        throw new Error('SharedArray constructor does not support async functions as second argument');
      if (typeof build !== 'function')
        throw new Error("a function is expected as the second argument of SharedArray's constructor");
      let array = byName.get(key);
      if (array === undefined) {
        const data: unknown = build();
        if (!Array.isArray(data)) throw new Error('only arrays can be made into SharedArray');
        array = Object.freeze(Array.from(data, (item) => deepFreeze(asJson(item))));
        byName.set(key, array);
      }
      // A constructor may return another object: the frozen array stands in for the instance.
      return array as unknown as SharedArray;
    }
  }
  return { SharedArray };
}

/** The element as k6 stores it, JSON.stringify'd (and parsed back when read). */
function asJson(item: unknown): unknown {
  const text = JSON.stringify(item) as string | undefined;
  return text === undefined ? undefined : JSON.parse(text);
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
