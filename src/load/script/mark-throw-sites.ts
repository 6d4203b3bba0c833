import { parse } from 'acorn';
import { THROW_HOOK } from './throw-hook.ts';

/**
 * Characters inserted into one line of the bundle: [line (1-based), column before the insertion, length,
 * origins]. A stack position inside the inserted text is the insertion's own position, unless origins
 * say where that part of the text comes from (script/async-vu-transform.ts: a copy of a function put
 * on one line, a helper call standing for a call of the script).
 */
export type Insertion = [number, number, number, InsertionOrigin[]?];

/**
 * From `offset` in the inserted text on (to the next origin), the text stands for the code `lines`
 * lines below the insertion's, from `column` on (0-based).
 */
export type InsertionOrigin = [offset: number, lines: number, column: number];

export interface MarkedScript {
  code: string;
  insertions: Insertion[];
}

interface Node {
  type: string;
  start: number;
  end: number;
  argument?: Node;
}

function walk(node: unknown, visit: (n: Node) => void): void {
  if (Array.isArray(node)) {
    for (const child of node) walk(child, visit);
    return;
  }
  if (!node || typeof node !== 'object' || typeof (node as Node).type !== 'string') return;
  visit(node as Node);
  for (const [key, value] of Object.entries(node)) {
    if (key !== 'loc' && value && typeof value === 'object') walk(value, visit);
  }
}

/**
 * A JavaScript `throw "text"` carries no stack, while k6 (goja) reports where any value was thrown.
 * Every `throw X` of the bundle becomes `throw __k6_throw(X)`, which records the call site and
 * returns X unchanged. Nothing else moves: no line is added, and the recorded insertions let stack
 * columns on those lines be mapped back exactly before the source map is applied.
 */
export function markThrowSites(code: string): MarkedScript {
  let ast: unknown;
  try {
    ast = parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    });
  } catch {
    // The bundle came from esbuild, so this should not happen; without marks only thrown non-Errors lose their location.
    return { code, insertions: [] };
  }
  const edits: [number, string][] = [];
  walk(ast, (n) => {
    if (n.type !== 'ThrowStatement' || !n.argument) return;
    const sequence = n.argument.type === 'SequenceExpression';
    edits.push([n.argument.start, `${THROW_HOOK}(${sequence ? '(' : ''}`], [n.argument.end, sequence ? '))' : ')']);
  });
  if (!edits.length) return { code, insertions: [] };
  edits.sort((a, b) => a[0] - b[0]);

  const insertions: Insertion[] = [];
  let out = '';
  let at = 0;
  let line = 1;
  let lineStart = 0;
  for (const [offset, text] of edits) {
    for (let i = code.indexOf('\n', at); i !== -1 && i < offset; i = code.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    out += code.slice(at, offset) + text;
    insertions.push([line, offset - lineStart, text.length]);
    at = offset;
  }
  return { code: out + code.slice(at), insertions };
}
