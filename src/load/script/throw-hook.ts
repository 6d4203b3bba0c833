/**
 * The name under which the VU runtime passes the bundle a function that records where a non-Error
 * value is thrown (script/mark-throw-sites.ts rewrites `throw X` into a call to it).
 */
export const THROW_HOOK = '__k6_throw';
