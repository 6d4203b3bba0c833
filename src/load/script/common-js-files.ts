import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parse, type Node } from 'acorn';
import type { Plugin } from 'esbuild';

/** The k6-namespace module the stubs get the runtime's CommonJS runner from (runtime/common-js-module.ts). */
export const COMMON_JS_RUNNER = 'tenantops:commonjs';

const FUNCTION = new Set(['FunctionDeclaration', 'FunctionExpression', 'ArrowFunctionExpression']);
const MODULE_SYNTAX = new Set([
  'ImportDeclaration',
  'ExportNamedDeclaration',
  'ExportDefaultDeclaration',
  'ExportAllDeclaration',
]);

/** Calls each node of the tree below n; `enter` false keeps the walk out of a node's children. */
function walk(n: unknown, visit: (node: Node) => boolean | void): void {
  if (!n || typeof n !== 'object') return;
  if (Array.isArray(n)) return n.forEach((c) => walk(c, visit));
  const node = n as Node;
  if (typeof node.type === 'string' && visit(node) === false) return;
  for (const [k, v] of Object.entries(node)) if (k !== 'loc' && v && typeof v === 'object') walk(v, visit);
}

/**
 * Whether k6 runs this text as CommonJS (js/modules/resolution.go resolveLoaded, isESM): a text that does not
 * parse as a module, or has no import, no export and no top-level await. `import()` and `import.meta` are no
 * import entries.
 */
export function isCommonJs(text: string): boolean {
  let program: Node;
  try {
    program = parse(text, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
  } catch {
    return true;
  }
  let esm = false;
  walk(program, (node) => {
    if (esm || FUNCTION.has(node.type)) return false;
    if (MODULE_SYNTAX.has(node.type)) esm = true;
    else if (node.type === 'AwaitExpression' || (node.type === 'ForOfStatement' && (node as { await?: boolean }).await))
      esm = true;
  });
  return !esm;
}

/** The string literals a CommonJS text passes to require(): what the bundle must hold for it. */
function requiredSpecifiers(text: string): string[] | undefined {
  let program: Node;
  try {
    program = parse(text, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowHashBang: true,
      allowReturnOutsideFunction: true,
    });
  } catch {
    return undefined;
  }
  const out = new Set<string>();
  walk(program, (node) => {
    const call = node as Node & { callee?: { type: string; name?: string }; arguments?: Node[] };
    if (node.type !== 'CallExpression' || call.callee?.type !== 'Identifier' || call.callee.name !== 'require') return;
    const arg = call.arguments?.[0] as
      (Node & { value?: unknown; quasis?: { value: { cooked: string } }[] }) | undefined;
    if (arg?.type === 'Literal' && typeof arg.value === 'string') out.add(arg.value);
    else if (arg?.type === 'TemplateLiteral' && arg.quasis?.length === 1) out.add(arg.quasis[0].value.cooked);
  });
  return [...out];
}

/**
 * k6 runs a CommonJS file in a sloppy function of its own (internal/js/compiler/compiler.go wraps it in
 * `(function(module, exports){…})`, called with `this` = exports) and every ES module as strict code. esbuild
 * would inline such a file into the one function the bundle is, which must then be sloppy as a whole (strictness
 * is lexical: no function inside strict code can be sloppy). So each CommonJS file of the script (not the
 * runner's own jslib packages under node_modules, nor data) is replaced in the bundle by a stub that hands its
 * text to the runtime, which compiles it as a sloppy function under its own file name (its stack frames need no
 * source map), and the bundle stays strict. The stub holds a require() of each literal specifier the file
 * requires, so that esbuild still bundles what it needs, resolved from the file's own directory.
 */
export function commonJsFiles(): Plugin {
  return {
    name: 'commonjs-files',
    setup(b) {
      b.onResolve({ filter: new RegExp(`^${COMMON_JS_RUNNER}$`) }, () => ({ path: 'commonjs', namespace: 'k6' }));
      b.onLoad({ filter: /\.c?js$/, namespace: 'file' }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!isCommonJs(text)) return undefined;
        const specifiers = requiredSpecifiers(text);
        // Not a valid script either: esbuild reports the syntax error at its place.
        if (!specifiers) return undefined;
        const cases = specifiers.map((s) => `case ${JSON.stringify(s)}: return require(${JSON.stringify(s)});`);
        return {
          contents:
            // The stub's own module object: a require() cycle sees the file's exports as they are so far.
            `require(${JSON.stringify(COMMON_JS_RUNNER)})(${JSON.stringify(text)}, ` +
            `${JSON.stringify(args.path)}, function (s) { switch (s) { ${cases.join(' ')} } ` +
            `throw new Error('require(' + JSON.stringify(s) + '): tenantops load bundles only require() calls with a string literal'); }, module);`,
          loader: 'js',
          resolveDir: dirname(args.path),
        };
      });
    },
  };
}
