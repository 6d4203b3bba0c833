import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Plugin } from 'esbuild';
import { isCommonJs } from './common-js-files.ts';

const NAMESPACE = 'commonjs-import';
const SKIP = Symbol('resolving for common-js-imports');

/**
 * What an ES module's `import` of a CommonJS file gets, as k6 gives it (js/modules/cjsmodule.go, GetBindingValue):
 * the default export is `exports.default` when the exports have such a property, whatever `__esModule` says, and
 * module.exports itself otherwise; any other name is that property of the exports. esbuild decides by `__esModule`
 * instead (the whole exports as default without it, exports.default, even missing, with it). So an import or
 * import() of such a file goes through a small ES module that exports k6's default and re-exports the rest; a
 * require() of it still gets module.exports (script/common-js-files.ts runs the file itself).
 */
export function commonJsImports(): Plugin {
  return {
    name: 'commonjs-imports',
    setup(b) {
      b.onResolve({ filter: /^\.{0,2}\// }, async (args) => {
        if (args.namespace !== 'file' || args.pluginData === SKIP) return undefined;
        if (args.kind !== 'import-statement' && args.kind !== 'dynamic-import') return undefined;
        const found = await b.resolve(args.path, {
          kind: args.kind,
          importer: args.importer,
          resolveDir: args.resolveDir,
          pluginData: SKIP,
        });
        if (found.errors.length || found.namespace !== 'file' || !/\.c?js$/.test(found.path)) return undefined;
        if (found.path.includes('/node_modules/') || !isCommonJs(await readFile(found.path, 'utf8'))) return undefined;
        return { path: found.path, namespace: NAMESPACE };
      });
      b.onLoad({ filter: /.*/, namespace: NAMESPACE }, (args) => {
        const file = JSON.stringify(args.path);
        return {
          // The re-export and the require() resolve in the file namespace: the file's CommonJS stub, run once.
          contents:
            `const exportsOf = require(${file});\n` +
            `export default 'default' in Object(exportsOf) ? exportsOf.default : exportsOf;\n` +
            `export * from ${file};\n`,
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}
