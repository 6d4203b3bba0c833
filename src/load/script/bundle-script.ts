import { dirname } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { LoadError } from '../load-error.ts';
import { commonJsFiles } from './common-js-files.ts';
import { commonJsImports } from './common-js-imports.ts';
import { ImportMeta } from './import-meta.ts';
import { jslibModules } from './jslib-modules.ts';

/** The k6 modules the runtime shims provide (runtime/vu-worker.ts). */
export const K6_MODULES = [
  'k6',
  'k6/http',
  'k6/html',
  'k6/metrics',
  'k6/execution',
  'k6/data',
  'k6/timers',
  'k6/encoding',
  'k6/crypto',
  'k6/ws',
  'k6/websockets',
  'k6/experimental/websockets',
  'k6/experimental/redis',
  'k6/experimental/fs',
  'k6/experimental/csv',
  'k6/experimental/streams',
] as const;

/** The files of a bundle that are code, as k6 would load them (JSON and text imports are data). */
const SCRIPT_FILE = /\.[cm]?[jt]sx?$/;

/** jslib's textSummary is imported by URL in most handleSummary examples; a local shim stands in. */
const JSLIB_SUMMARY = /^https:\/\/jslib\.k6\.io\/k6-summary\/[^/]+\/index\.js$/;

function k6Modules(unsupported: string[]): Plugin {
  return {
    name: 'k6-modules',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        if (args.kind === 'entry-point' || args.path.startsWith('.') || args.path.startsWith('/')) return undefined;
        if ((K6_MODULES as readonly string[]).includes(args.path)) return { path: args.path, namespace: 'k6' };
        if (JSLIB_SUMMARY.test(args.path)) return { path: 'k6-summary', namespace: 'k6' };
        unsupported.push(args.path);
        return { errors: [{ text: `unsupported module "${args.path}"` }] };
      });
      b.onLoad({ filter: /.*/, namespace: 'k6' }, (args) => ({
        contents: `module.exports = __k6_require(${JSON.stringify(args.path)});`,
        loader: 'js',
      }));
    },
  };
}

/**
 * esbuild's ES module output ends with one `export { local as name, … };` block. Rewritten line for line (the source
 * map keeps pointing at the right lines) into an assignment, it makes the bundle the body of an async function:
 * the only output format in which top-level `await`, as k6 allows it, can run.
 */
export function exportsToAssignment(code: string): string {
  const at = code.lastIndexOf('\nexport {\n');
  // A CommonJS entry script (k6 runs one as a CommonJS module whose exports are the script's): esbuild exports
  // its module.exports as the default.
  if (at < 0) return code.replace(/\nexport default (require_[\w$]+\(\));\n/, '\n__k6_module.exports = $1;\n');
  const end = code.indexOf('\n};', at);
  const lines = code.slice(at + 1, end).split('\n');
  const body = lines.slice(1).map((l) => l.replace(/^(\s*)([\w$]+) as ([\w$]+)(,?)$/, '$1$3: $2$4'));
  return `${code.slice(0, at + 1)}__k6_module.exports = {\n${body.join('\n')}${code.slice(end)}`;
}

export interface BundledScript {
  code: string;
  /** The first of the script's files that k6 would run as CommonJS (script/module-function.ts). */
  commonJs?: string;
}

/**
 * Bundles a k6 script and its relative imports into one async function body (exportsToAssignment).
 * esbuild strips TypeScript types, as k6 ≥ 0.57 does; imports of k6 modules become
 * calls to `__k6_require`, and any other bare or remote import fails with its name (exit 107).
 */
export async function bundleScript(path: string): Promise<BundledScript> {
  const unsupported: string[] = [];
  const meta = new ImportMeta();
  try {
    const out = await build({
      entryPoints: [path],
      absWorkingDir: dirname(path),
      bundle: true,
      write: false,
      format: 'esm',
      platform: 'neutral',
      target: 'es2022',
      logLevel: 'silent',
      // Errors are reported at the original file:line:col (script/prepare-script.ts splits the map off).
      sourcemap: 'inline',
      sourcesContent: false,
      plugins: [jslibModules(), commonJsImports(), commonJsFiles(), k6Modules(unsupported), meta.plugin],
      metafile: true,
    });
    // k6 takes a file for an ES module when it has import, export or top-level await (js/modules/resolution.go,
    // isESM), which is what esbuild calls 'esm'. Not the script's: the k6 modules' stand-ins (namespace k6), the
    // jslib stand-ins' packages (node_modules: a script's own bare imports are refused) and data (JSON, text).
    const commonJs = Object.entries(out.metafile.inputs).find(
      ([file, input]) =>
        SCRIPT_FILE.test(file) && !file.startsWith('k6:') && !file.includes('node_modules/') && input.format !== 'esm',
    )?.[0];
    // After the last line of code, before the source map's comment: no line moves.
    const code = exportsToAssignment(out.outputFiles[0].text);
    const mapAt = code.lastIndexOf('\n//# sourceMappingURL=');
    const at = mapAt < 0 ? code.length : mapAt;
    return { code: code.slice(0, at) + meta.definition() + code.slice(at), commonJs };
  } catch (e) {
    if (unsupported.length) {
      throw new LoadError(
        'TENANTOPS_E_LOAD_SCRIPT',
        `${path}: unsupported module "${unsupported[0]}"; tenantops load supports relative files and ${K6_MODULES.join(', ')} (use real k6 for other modules and extensions)`,
        { cause: e },
      );
    }
    const first = (
      e as { errors?: { text: string; location?: { file: string; line: number; column: number } | null }[] }
    ).errors?.[0];
    const where = first?.location
      ? `${first.location.file}:${first.location.line}:${first.location.column}: `
      : `${path}: `;
    throw new LoadError('TENANTOPS_E_LOAD_SCRIPT', `${where}${first?.text ?? (e as Error).message}`, { cause: e });
  }
}
