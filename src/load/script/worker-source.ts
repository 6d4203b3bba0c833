import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const cached = new Map<string, Promise<string>>();

/**
 * The VU worker's code as one CommonJS string, for `new Worker(code, { eval: true })`.
 * Workers do not inherit the tsx loader of the main thread, and starting tsx in each of
 * hundreds of workers would cost far more than bundling the runtime once per process.
 */
export function workerSource(name: 'vu-worker' | 'shared-vu-worker' = 'vu-worker'): Promise<string> {
  // Beside this file: vu-worker.ts in the sources, vu-worker.js in the compiled dist/.
  const entry = new URL(`../runtime/${name}${import.meta.url.slice(-3)}`, import.meta.url);
  const hit = cached.get(name);
  if (hit) return hit;
  // A worker's eval code runs as a script, so the bundle's top-level `var`s would be globals of the
  // thread, the context the VUs' scripts run in: a script's free `gc`, `boot` or `stack` would find the
  // runtime's. One function scope around the bundle keeps them the runtime's own. Node also gives eval code
  // `module`, `exports`, `__filename` and `__dirname` as properties of the global object: the function takes them
  // as parameters and deletes the globals, as k6 has none of them in an ES module (a script's `module.exports`
  // throws a ReferenceError there; its CommonJS files get their own module and exports, runtime/common-js-module.ts).
  const built = build({
    entryPoints: [fileURLToPath(entry)],
    // A CommonJS bundle has no import.meta; code that resolves packages from its own location
    // (html/load-html.ts) gets the runtime's real URL.
    define: { 'import.meta.url': JSON.stringify(entry.href) },
    bundle: true,
    write: false,
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    logLevel: 'silent',
  }).then(
    (r) =>
      `(function (module, exports, __filename, __dirname) {\n` +
      `for (const name of ['module', 'exports', '__filename', '__dirname']) delete globalThis[name];\n` +
      `${r.outputFiles[0].text}\n})(module, exports, __filename, __dirname);\n`,
  );
  cached.set(name, built);
  return built;
}
