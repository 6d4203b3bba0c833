/**
 * Whether a script's value is an `async` function, which k6 refuses where it calls the function synchronously
 * (check() predicates, group() callbacks, SharedArray builders: common.IsAsyncFunction).
 */
export const isAsyncFunction = (v: unknown): boolean => Object.prototype.toString.call(v) === '[object AsyncFunction]';
