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
  }).then((r) => r.outputFiles[0].text);
  cached.set(name, built);
  return built;
}
