import { THROW_HOOK } from './throw-hook.ts';

/**
 * The head of the async function whose body is the bundled script (script/bundle-script.ts), on one line so
 * the bundle's lines stay where the source map puts them. k6 runs a script as an ES module, which is strict
 * code: `this` is undefined at the top level and in plainly called functions, an assignment to an undeclared
 * name throws a ReferenceError, a write to a read-only property throws a TypeError. The directive gives the
 * bundle (each of its functions too) the same semantics, with one thread per VU and in a shared thread alike.
 *
 * k6 runs a file without import, export or top-level await as CommonJS, in a sloppy function
 * (internal/js/compiler/compiler.go wraps it in `(function(module, exports){…})`). A bundle that holds such
 * a file (a vendored UMD or CommonJS library) stays sloppy as a whole: esbuild puts the ES modules' code in
 * the same function, and strict code there would break a library that works in k6 (an implicit global, an
 * octal literal, `with`), where sloppy code only lets a faulty script go on.
 */
export const moduleFunctionHead = (sloppy = false): string =>
  `async function (module, exports, __k6_require, ${THROW_HOOK}) {${sloppy ? '' : " 'use strict';"}`;
