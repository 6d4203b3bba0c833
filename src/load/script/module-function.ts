import { THROW_HOOK } from './throw-hook.ts';

/**
 * The head of the async function whose body is the bundled script (script/bundle-script.ts), on one line so
 * the bundle's lines stay where the source map puts them. k6 runs a script as an ES module, which is strict
 * code: `this` is undefined at the top level and in plainly called functions, an assignment to an undeclared
 * name throws a ReferenceError, a write to a read-only property throws a TypeError. The directive gives the
 * bundle (each of its functions too) the same semantics, with one thread per VU and in a shared thread alike.
 * The CommonJS files k6 runs as sloppy code are not in it: script/common-js-files.ts. The bundle hands its exports
 * over in `__k6_module` (bundle-script.ts, exportsToAssignment): names a script cannot mean, where `module` and
 * `exports` would be in its scope, and k6 has neither in an ES module (`module.exports` throws a ReferenceError).
 */
export const moduleFunctionHead = (): string =>
  `async function (__k6_module, __k6_exports, __k6_require, ${THROW_HOOK}) { 'use strict';`;
