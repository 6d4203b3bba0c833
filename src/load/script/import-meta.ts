import { readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'acorn';
import type { Loader, Plugin } from 'esbuild';

const LOADERS: Record<string, Loader> = {
  js: 'js',
  mjs: 'js',
  cjs: 'js',
  jsx: 'jsx',
  ts: 'ts',
  mts: 'ts',
  cts: 'ts',
  tsx: 'tsx',
};
const META = /\bimport\.meta\b/g;
const HAS_META = /\bimport\.meta\b/;
/** The function the bundle's `import.meta`s become calls of (definition()); short enough for 4 digits. */
const FN = '__k6m';

/**
 * The text with each `import.meta` expression replaced by `call`. JavaScript is parsed, so that text in
 * strings, templates and comments stays as written; TypeScript, which acorn cannot parse, is matched as text.
 */
function replaceMeta(text: string, loader: Loader, call: string): string {
  if (loader !== 'js') return text.replace(META, call);
  const at: number[] = [];
  try {
    const ast = parse(text, { ecmaVersion: 'latest', sourceType: 'module', allowHashBang: true });
    const walk = (n: unknown): void => {
      if (!n || typeof n !== 'object') return;
      if (Array.isArray(n)) return n.forEach(walk);
      const node = n as { type?: string; start: number; meta?: { name: string } };
      if (node.type === 'MetaProperty' && node.meta?.name === 'import') at.push(node.start);
      for (const v of Object.values(node)) if (v && typeof v === 'object') walk(v);
    };
    walk(ast);
  } catch {
    // esbuild reports the syntax error, at its place.
    return text;
  }
  let out = text;
  for (const start of at.sort((a, b) => b - a)) out = out.slice(0, start) + call + out.slice(start + call.length);
  return out;
}

/**
 * k6's `import.meta` (internal/js/bundle.go SetFinalImportMeta): an object whose `resolve(specifier)` gives the
 * file: URL of a path relative to the module it is written in, as in `open(import.meta.resolve('./data.csv'))`.
 * The bundle is the body of a function, where `import.meta` is a SyntaxError, so each `import.meta` of a script
 * file becomes `__k6m(N)`, padded to the same 11 characters (every later column stays where the source
 * map puts it), and definition() gives the hoisted function that returns module N's object.
 */
export class ImportMeta {
  private readonly files: string[] = [];

  readonly plugin: Plugin = {
    name: 'import-meta',
    setup: (b) => {
      b.onLoad({ filter: /\.[cm]?[jt]sx?$/, namespace: 'file' }, async (args) => {
        if (args.path.includes('/node_modules/')) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!HAS_META.test(text)) return undefined;
        const index = this.files.push(pathToFileURL(args.path).href) - 1;
        const call = `${FN}(${index})`.padEnd('import.meta'.length);
        if (call.length > 'import.meta'.length) return undefined;
        const loader = LOADERS[args.path.slice(args.path.lastIndexOf('.') + 1)] ?? 'js';
        return { contents: replaceMeta(text, loader, call), loader, resolveDir: dirname(args.path) };
      });
    },
  };

  /** A function declaration to append after the bundle's last line (hoisted: usable from its first). */
  definition(): string {
    if (this.files.length === 0) return '';
    const objects = this.files
      .map((url) => `{ resolve: (specifier) => new URL(String(specifier), ${JSON.stringify(url)}).href }`)
      .join(', ');
    return `\nfunction ${FN}(i) { return (${FN}.all ||= [${objects}])[i]; }`;
  }
}
