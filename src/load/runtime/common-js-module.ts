import { runInThisContext } from 'node:vm';
import type { ScriptStack } from './script-stack.ts';

type CommonJsFn = (this: unknown, module: { exports: unknown }, exports: unknown, require: unknown) => void;

/**
 * Runs a CommonJS file of the script the way k6 does (internal/js/compiler/compiler.go, js/modules/cjsmodule.go):
 * its text in a sloppy function of `module` and `exports`, called with `this` = exports; script/common-js-files.ts
 * puts a stub in the bundle that calls this with the file's text and a require() for what it requires. Compiled
 * under the file's own name, one line down (lineOffset), its frames show the file's lines and columns as they are.
 */
export function commonJsRunner(stack: ScriptStack) {
  const compiled = new Map<string, CommonJsFn>();
  return (source: string, file: string, require: (specifier: string) => unknown, module: { exports: unknown }) => {
    let fn = compiled.get(file);
    if (!fn) {
      fn = runInThisContext(`(function (module, exports, require) {\n${source}\n})`, {
        filename: file,
        lineOffset: -1,
      }) as CommonJsFn;
      compiled.set(file, fn);
      stack.addFile(file);
    }
    fn.call(module.exports, module, module.exports, require);
  };
}
