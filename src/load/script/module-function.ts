import { THROW_HOOK } from './throw-hook.ts';

/**
 * The head of the async function whose body is the bundled script (script/bundle-script.ts), on one line so
 * the bundle's lines stay where the source map puts them. k6 runs a script as an ES module, which is strict
 * code: `this` is undefined at the top level and in plainly called functions, an assignment to an undeclared
 * name throws a ReferenceError, a write to a read-only property throws a TypeError. The directive gives the
 * bundle (each of its functions too) the same semantics, with one thread per VU and in a shared thread alike.
 * The CommonJS files k6 runs as sloppy code are not in it: script/common-js-files.ts.
 */
export const moduleFunctionHead = (): string =>
  `async function (module, exports, __k6_require, ${THROW_HOOK}) { 'use strict';`;
