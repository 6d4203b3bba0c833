import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ScriptStack } from './script-stack.ts';

/** esbuild's runtime helpers that run a bundled module's body: `require()` of a CommonJS file, of an ES module. */
const MODULE_RUNNERS = new Set(['__require', '__init']);

function callStack(): string | undefined {
  const limit = Error.stackTraceLimit;
  // k6 looks at up to 1000 frames (js/modules/require_impl.go); V8 keeps 10 unless told.
  Error.stackTraceLimit = 1000;
  try {
    return new Error().stack;
  } finally {
    Error.stackTraceLimit = limit;
  }
}

const dirOf = (url: string | undefined): string | undefined =>
  url?.startsWith('file://') ? dirname(fileURLToPath(url)) : undefined;

/**
 * The directory k6 resolves a relative open() against (internal/js/bundle.go, js/modules/require_impl.go
 * CurrentlyRequiredModule): not the file open() is written in, but the module whose body is running: the one
 * that the innermost require() on the stack runs, else the outermost frame's, which for an ES module is the module
 * being evaluated (sobek evaluates each one in a frame of its own). So a module's top-level open('./x') is relative
 * to that module, and a helper of lib/ that calls open() for the entry script resolves against the entry script.
 * The bundle inlines ES modules: its outermost frame runs the statement of the module being evaluated, and a
 * require()d file (or an ES module esbuild wraps) runs inside esbuild's __require/__init.
 */
function openBase(stack: ScriptStack): { dir?: string; caller?: string } {
  const sites = stack.sites(callStack());
  const runner = sites.findIndex((s) => MODULE_RUNNERS.has(s.name));
  const base = runner > 0 ? sites[runner - 1] : sites.at(-1);
  return { dir: dirOf(base?.url), caller: sites[0]?.url };
}

/** Go's *PathError texts and k6's own, for what Node reports with its codes. */
function fileError(e: unknown, file: string): unknown {
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new Error(`open ${file}: no such file or directory`);
  if (code === 'EISDIR') return new Error(`open() can't be used with directories, path: ${JSON.stringify(file)}`);
  if (code === 'EACCES') return new Error(`open ${file}: permission denied`);
  return e;
}

/**
 * k6's global open(path, mode): a file as text or (mode 'b') an ArrayBuffer, only while the init context runs,
 * with k6's error otherwise (internal/js/initcontext.go). A relative path resolves as openBase() says; `warn`
 * (VU 0's init, the first one, where k6 warns) gets k6's deprecation warning when that is not the directory of
 * the file open() is written in, which is where k6 says it will resolve in the future.
 */
export function initOpen(
  scriptDir: string,
  state: { readonly inInit: boolean },
  stack: ScriptStack,
  warn?: (message: string) => void,
): (path: string, mode?: string) => string | ArrayBuffer {
  return (path, mode) => {
    if (!state.inInit)
      throw new Error(
        'the "open" function is only available in the init stage (i.e. the global scope), see ' +
          'https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ for more information',
      );
    if (path === '') throw new Error("open() can't be used with an empty filename");
    const name = String(path);
    let file: string;
    // k6 strips the file scheme (internal/js/initcontext.go), so open(import.meta.resolve('./x')) works.
    if (name.startsWith('file://')) file = fileURLToPath(name);
    else if (isAbsolute(name)) file = name;
    else {
      const { dir = scriptDir, caller } = openBase(stack);
      const callerDir = dirOf(caller);
      if (warn && caller && callerDir !== undefined && callerDir !== dir) {
        warn(
          `open() was used and is currently relative to '${pathToFileURL(dir).href.replace(/\/?$/, '/')}', but in the ` +
            'future it will be aligned with how `require` and imports work and will be relative to ' +
            `'${caller}'. This means that in the future open will open relative path relative to the module/file it ` +
            'is written in. You can future proof this by using `import.meta.resolve()` to get relative paths to the ' +
            'file it is written in the current k6 version.',
        );
      }
      file = resolve(dir, name);
    }
    let data: Buffer;
    try {
      data = readFileSync(file);
    } catch (e) {
      throw fileError(e, file);
    }
    if (mode === 'b') return data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer;
    return data.toString('utf8');
  };
}
