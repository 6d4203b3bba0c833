/**
 * The `k6/data` module. k6 builds a SharedArray once and shares it read-only; here each
 * VU runs the builder in its own isolate and freezes the result, which keeps the same
 * read-only contract at the cost of memory per VU (see docs/load-runner.md).
 */
export function createK6Data() {
  class SharedArray {
    constructor(name: string, build: () => unknown[]) {
      if (typeof build !== 'function') throw new Error(`SharedArray "${name}" needs a function that returns an array`);
      const data = build();
      if (!Array.isArray(data)) throw new Error(`SharedArray "${name}": the function must return an array`);
      // A constructor may return another object: the frozen array stands in for the instance.
      return Object.freeze(data.map((item) => deepFreeze(item))) as unknown as SharedArray;
    }
  }
  return { SharedArray };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
