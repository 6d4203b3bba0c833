import { parse } from 'acorn';
import { calleeText } from './callee-text.ts';
import { sharedStateRefusal } from './shared-state-refusal.ts';
import type { Insertion, InsertionOrigin } from './mark-throw-sites.ts';

/**
 * Names the transformed code uses; they live in the per-VU wrapper (runtime/shared-vu-worker.ts).
 * `__k6_c` calls a function the way the call site asked, `__k6_A` collects arguments, `__k6_W`
 * marks a pending result, `__k6_twin` pairs a function with its async twin, `__k6_t`/`__k6_o`
 * are temporaries (each is read right after it is written, with no script code in between).
 */
export const ASYNC_VU_NAMES = ['__k6_c', '__k6_A', '__k6_W', '__k6_twin', '__k6_t', '__k6_o'] as const;

/** What a script may import and still run several VUs per thread: modules without promises or timers. */
const SYNC_MODULES = new Set([
  'k6',
  'k6/http',
  'k6/metrics',
  'k6/execution',
  'k6/data',
  'k6/encoding',
  'k6/crypto',
  'k6/html',
  'k6-summary',
]);

/**
 * Globals that start asynchronous work, share state between the VUs of a thread, or run code the
 * transform cannot see. A script naming one of them runs one VU per thread, as before.
 */
const REFUSED_NAMES = new Set([
  'Promise',
  'globalThis',
  'global',
  'self',
  'window',
  'eval',
  'Function',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'process',
  'require',
  'Atomics',
  'SharedArrayBuffer',
  'WebAssembly',
  'fetch',
  // A twin's return value is a promise's: a proxy returned from one is asked for `then` (its get trap
  // runs, a revoked one throws), and a call site's `instanceof` asks a proxy for its prototype.
  'Proxy',
]);
/**
 * Property names that mean promises (then, asyncRequest) or WebCrypto's async API (subtle), or a
 * function's caller and arguments (`f.caller`, `f.arguments`), which the function's twin, running in
 * its place, cannot set.
 */
const REFUSED_PROPERTIES = new Set(['then', 'asyncRequest', 'subtle', 'caller', 'arguments']);

export type AsyncVuResult =
  { ok: true; code: string; insertions: Insertion[]; twins: number; calls: number } | { ok: false; reason: string };

interface Node {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

const isNode = (v: unknown): v is Node =>
  !!v && typeof v === 'object' && typeof (v as Node).type === 'string' && typeof (v as Node).start === 'number';

class Refusal extends Error {}

/** One insertion into the code; at one offset, closings (inner first) go before openings (outer first). */
interface Edit {
  at: number;
  text: string;
  closing: boolean;
  depth: number;
  seq: number;
  origins?: InsertionOrigin[];
}

function mentions(node: Node, name: string): boolean {
  if (node.type === 'Identifier' && node.name === name) return true;
  return children(node).some((c) => mentions(c, name));
}

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc') continue;
    if (Array.isArray(value)) for (const v of value) if (isNode(v)) out.push(v);
    if (isNode(value)) out.push(value);
  }
  return out;
}

/**
 * Makes a bundled k6 script able to run several VUs in one thread while its API stays synchronous.
 *
 * Every plain function and arrow (not methods, getters, setters, constructors, class bodies) keeps
 * its original, synchronous form, which is what its name, `toString()` and any caller outside the
 * transformed code see, and gets an async *twin*: the same body in which each call becomes
 * `__k6_c(this, fn, args)`. That helper calls the callee's twin (or the async form of a k6 API such
 * as `http.get`, `sleep`, `group`, or of `Array.prototype.map` and friends) and the call site
 * awaits only when the result is pending; any other callee is called as written. So a VU that waits
 * for a response yields its thread to the other VUs, and code the transform does not reach (a
 * getter, a class method, a callback given to a native function it has no twin for) still runs the
 * original synchronous code, where a k6 call blocks the whole thread (correct, only slower).
 *
 * Positions are kept for stack traces: nothing moves to another line; the twin stays where the
 * function was (every insertion is recorded), and the synchronous copy is put on its first line.
 *
 * Scripts that use promises, timers, async functions, generators or globals shared between VUs
 * (`globalThis`, `eval`…) are refused with a reason; they run one VU per thread, as before.
 */
export function asyncVuTransform(code: string): AsyncVuResult {
  const semicolons: number[] = [];
  const lineComments: number[] = [];
  let ast: Node;
  try {
    ast = parse(code, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
      onInsertedSemicolon: (at) => semicolons.push(at),
      onComment: (block, _text, start) => {
        if (!block) lineComments.push(start);
      },
    }) as unknown as Node;
  } catch (e) {
    return { ok: false, reason: `the bundle does not parse (${(e as Error).message})` };
  }
  const edits: Edit[] = [];
  let seq = 0;
  let twins = 0;
  let calls = 0;
  const add = (at: number, text: string, closing: boolean, depth: number, origins?: InsertionOrigin[]) =>
    edits.push({ at, text, closing, depth, seq: seq++, origins });

  /** Where each line of the code starts, for the line and column of an offset. */
  const lineStarts = [0];
  for (let i = code.indexOf('\n'); i !== -1; i = code.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (offset: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  /** The origin of inserted text at `offset` that stands for the code at `target`, seen from an insertion at `at`. */
  const originOf = (offset: number, at: number, target: number): InsertionOrigin => {
    const line = lineOf(target);
    return [offset, line - lineOf(at), target - lineStarts[line]];
  };

  /** Template elements and string literals, by start, to put a function's copy on one line. */
  const multiline: Node[] = [];
  const taggedQuasis = new Set<Node>();

  /**
   * The original text of [start, end) on one line, or undefined when that would change its meaning;
   * with where each of its original lines after the first starts in it (for stack positions).
   */
  const oneLine = (start: number, end: number): { text: string; breaks: number[] } | undefined => {
    const text = code.slice(start, end);
    if (!text.includes('\n')) return { text, breaks: [] };
    if (semicolons.some((s) => s >= start && s < end)) return undefined;
    if (lineComments.some((c) => c >= start && c < end)) return undefined;
    let out = '';
    const breaks: number[] = [];
    // A line break becomes a space, or in a template literal the escape \n (its value, \r\n included).
    const put = (from: number, to: number, literal: boolean) => {
      for (let i = from; i < to; i++) {
        const ch = code[i];
        if (ch === '\n') {
          out += literal ? '\\n' : ' ';
          breaks.push(out.length);
        } else if (!(literal && ch === '\r' && code[i + 1] === '\n')) out += ch;
      }
    };
    let at = start;
    for (const n of multiline) {
      if (n.start < start || n.end > end) continue;
      // A tagged template sees its raw text, so a line break there cannot become an escape.
      if (n.type !== 'TemplateElement' || taggedQuasis.has(n)) return undefined;
      put(at, n.start, false);
      put(n.start, n.end, true);
      at = n.end;
    }
    put(at, end, false);
    return { text: out, breaks };
  };
  /** Origins of a one-line copy of the function at `start`, put `offset` characters into an insertion there. */
  const copyOrigins = (offset: number, start: number, breaks: number[]): InsertionOrigin[] => [
    originOf(offset, start, start),
    ...breaks.map((b, k): InsertionOrigin => [offset + b, k + 1, 0]),
  ];

  /** Where the `(` of a call's arguments is: after the callee and any closing parentheses around it. */
  const openParen = (from: number): number => {
    let i = from;
    while (i < code.length && code[i] !== '(') i++;
    return i;
  };
  /** Where the `.` or `[` of a member access is, after its object and any closing parentheses. */
  const accessAt = (from: number): number => {
    let i = from;
    while (i < code.length && code[i] !== '.' && code[i] !== '[') i++;
    return i;
  };

  function check(node: Node, parent: Node | undefined): void {
    switch (node.type) {
      case 'Identifier': {
        const name = node.name as string;
        if (REFUSED_NAMES.has(name)) {
          const isKey =
            parent &&
            ((parent.type === 'MemberExpression' && parent.property === node && !parent.computed) ||
              (parent.type === 'Property' && parent.key === node && !parent.computed && !parent.shorthand) ||
              (parent.type === 'MethodDefinition' && parent.key === node && !parent.computed));
          if (!isKey) throw new Refusal(`it uses ${name}`);
        }
        // The wrapper's own names (script/module-function.ts) are the bundle's; any other is the script's.
        if (name.startsWith('__k6_') && !['__k6_module', '__k6_require', '__k6_throw'].includes(name))
          throw new Refusal(`it declares ${name}`);
        return;
      }
      case 'Property':
      case 'MethodDefinition':
      case 'PropertyDefinition': {
        // An object with a then method, returned from a twin (an async function), is taken for a promise:
        // its then is called, and the twin waits for it (for ever if it never calls back).
        const key = node.key as Node;
        if ((!node.computed && key.name === 'then') || key.value === 'then')
          throw new Refusal('it defines a then method (an object with one would be taken for a promise)');
        return;
      }
      case 'MemberExpression': {
        const p = node.property as Node;
        // `o['then']` is `o.then`.
        const name = node.computed ? (typeof p.value === 'string' ? p.value : undefined) : (p.name as string);
        if (name !== undefined && REFUSED_PROPERTIES.has(name)) throw new Refusal(`it uses .${name}`);
        return;
      }
      case 'AwaitExpression':
      case 'YieldExpression':
        throw new Refusal('it uses async functions or generators');
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.async || node.generator) throw new Refusal('it uses async functions or generators');
        return;
      case 'WithStatement':
        throw new Refusal('it uses with');
      case 'ForOfStatement':
        if (node.await) throw new Refusal('it uses for await');
        return;
      case 'ImportExpression':
        throw new Refusal('it uses import()');
      case 'CallExpression': {
        const callee = node.callee as Node;
        const args = node.arguments as Node[];
        if (callee.type === 'Identifier' && callee.name === '__k6_require' && args[0]?.type === 'Literal') {
          const name = String(args[0].value);
          if (!SYNC_MODULES.has(name)) throw new Refusal(`it imports ${name}`);
        }
        // Object.defineProperty(o, 'then', …) defines a then method as well.
        if (callee.type === 'MemberExpression' && args[1]?.type === 'Literal' && args[1].value === 'then')
          throw new Refusal('it defines a then method (an object with one would be taken for a promise)');
        return;
      }
      case 'TaggedTemplateExpression':
        for (const q of (node.quasi as Node).quasis as Node[]) taggedQuasis.add(q);
        return;
      case 'TemplateElement':
        if (code.slice(node.start, node.end).includes('\n')) multiline.push(node);
        return;
      case 'Literal':
        if (typeof node.value === 'string' && code.slice(node.start, node.end).includes('\n')) multiline.push(node);
        return;
    }
  }

  // A first pass refuses what the mode cannot run and collects what the one-line copies need.
  try {
    const scan = (node: Node, parent: Node | undefined) => {
      check(node, parent);
      for (const c of children(node)) scan(c, node);
    };
    scan(ast, undefined);
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, reason: e.message };
    throw e;
  }
  const shared = sharedStateRefusal(ast);
  if (shared) return { ok: false, reason: shared };
  multiline.sort((a, b) => a.start - b.start);

  /** Calls that are links of an optional chain stay as written (their short-circuit has no simple twin). */
  const chained = new Set<Node>();
  const markChain = (n: Node): void => {
    if (n.type === 'CallExpression') {
      chained.add(n);
      markChain(n.callee as Node);
    } else if (n.type === 'MemberExpression') markChain(n.object as Node);
  };

  const STATEMENT_LISTS = new Set(['Program', 'BlockStatement', 'StaticBlock', 'SwitchCase']);

  /** The name a twin gets: its function's name with a suffix (runtime/script-stack.ts strips it). */
  const TWIN_SUFFIX = '__k6tw';

  /**
   * The name an anonymous function gets from where it is written (`const get = () => …`, `{ get: … }`,
   * `x = …`, a default value): wrapped in `__k6_twin(…)` it would get none, so the runtime gives it.
   * undefined: no name to give; null: a name known only at run time (a computed key).
   */
  function inferredName(fn: Node, parent: Node | undefined): string | undefined | null {
    if (fn.id || !parent) return undefined;
    const named = (target: Node) => (target.type === 'Identifier' ? (target.name as string) : undefined);
    switch (parent.type) {
      case 'VariableDeclarator':
        return parent.init === fn ? named(parent.id as Node) : undefined;
      case 'AssignmentExpression':
        return parent.right === fn && ['=', '&&=', '||=', '??='].includes(parent.operator as string)
          ? named(parent.left as Node)
          : undefined;
      case 'AssignmentPattern':
        return parent.right === fn ? named(parent.left as Node) : undefined;
      case 'Property': {
        if (parent.value !== fn) return undefined;
        if (parent.computed) return null;
        const key = parent.key as Node;
        const name = key.type === 'Identifier' ? (key.name as string) : String(key.value);
        // `__proto__: fn` sets the prototype and names nothing.
        return name === '__proto__' ? undefined : name;
      }
      default:
        return undefined;
    }
  }

  /**
   * The name V8 gives in stack frames to an anonymous function assigned to a member, where the
   * function itself gets no name: `Counter.prototype.inc = function…` is `Counter.inc`, `api.call =
   * function…` is `api.call`. Only for chains of plain names.
   */
  function frameName(fn: Node, parent: Node | undefined): string | undefined {
    if (fn.id || parent?.type !== 'AssignmentExpression' || parent.right !== fn || parent.operator !== '=')
      return undefined;
    const parts: string[] = [];
    let n = parent.left as Node;
    while (n.type === 'MemberExpression' && !n.computed && (n.property as Node).type === 'Identifier') {
      parts.unshift((n.property as Node).name as string);
      n = n.object as Node;
    }
    if (n.type !== 'Identifier' || parts.length === 0) return undefined;
    return [n.name as string, ...parts].filter((p) => p !== 'prototype').join('.');
  }

  function twin(fn: Node, parent: Node | undefined, depth: number): boolean {
    const declaration = fn.type === 'FunctionDeclaration';
    if (declaration && !(parent && STATEMENT_LISTS.has(parent.type))) return false;
    const flat = oneLine(fn.start, fn.end);
    if (flat === undefined) return false;
    const copy = flat.text;
    const name = inferredName(fn, parent);
    if (name === null) return false;
    const id = fn.id as Node | null;
    // Inside a named function expression its name is its own; a twin under another name would not see it.
    if (!declaration && id && [fn.body as Node, ...(fn.params as Node[])].some((n) => mentions(n, id.name as string)))
      return false;
    const original = code.slice(fn.start, fn.end);
    // toString() gives the original text, not the copy put on one line (runtime/async-calls.ts).
    const source = copy === original ? undefined : original;
    const shown = frameName(fn, parent);
    // Trailing arguments left out when not needed; void 0 holds the place of one that is not.
    const args = [name, source, shown];
    while (args.length && args[args.length - 1] === undefined) args.pop();
    const extra = args.map((a) => (a === undefined ? ', void 0' : `, ${JSON.stringify(a)}`)).join('');
    if (declaration && parent) {
      // The declaration keeps its name, hoisting and body; the twin is a declaration beside it, and
      // the two are paired where their scope starts, before its code can replace or freeze the function.
      const fnName = String(id?.name);
      add(fn.start, copy, false, depth, copyOrigins(0, fn.start, flat.breaks));
      add(fn.start, 'async ', false, depth + 1);
      add((id as Node).end, TWIN_SUFFIX, true, depth + 1);
      const list = (parent.type === 'SwitchCase' ? parent.consequent : parent.body) as Node[];
      const first = list.find((st) => !(st.type === 'ExpressionStatement' && typeof st.directive === 'string')) ?? fn;
      add(first.start, `__k6_twin(${fnName}, ${fnName}${TWIN_SUFFIX}${extra});`, false, depth - 1);
    } else if (shown !== undefined && parent) {
      // `__k6_twin(a.b = function…, async function…)`: the copy stays the right side of its assignment,
      // where V8 names it `a.b` in stack frames too.
      add(parent.start, '__k6_twin(', false, depth - 1);
      add(fn.start, `${copy}, `, false, depth, copyOrigins(0, fn.start, flat.breaks));
      add(fn.start, 'async ', false, depth + 1);
      add(fn.end, `${extra})`, true, depth - 1);
    } else {
      add(fn.start, `__k6_twin(${copy}, `, false, depth, copyOrigins('__k6_twin('.length, fn.start, flat.breaks));
      add(fn.start, 'async ', false, depth + 1);
      if (id) add(id.end, TWIN_SUFFIX, true, depth + 1);
      add(fn.end, `${extra})`, true, depth);
    }
    twins++;
    return true;
  }

  function callEdit(node: Node, depth: number): void {
    const callee = node.callee as Node;
    const text = JSON.stringify(calleeText(callee));
    // Where V8 puts a frame of this call: the property of `a.b()`, the name of `f()`, else its `(`. The
    // helper call (a frame of the twin) and the await (its frame once the twin has waited) stand for it.
    const position =
      callee.type === 'MemberExpression' && !callee.computed
        ? (callee.property as Node).start
        : callee.type === 'Identifier' && callee.start === node.start
          ? callee.start
          : openParen(callee.end);
    const open = '((__k6_t = __k6_c(';
    const close = `, ${text})) instanceof __k6_W ? await __k6_t.p : __k6_t)`;
    const at = (offset: number, where: number) => [originOf(offset, where, position)];
    if (callee.type === 'MemberExpression') {
      add(node.start, `${open}(__k6_o = `, false, depth, at(open.indexOf('__k6_c'), node.start));
      add(accessAt((callee.object as Node).end), '), __k6_o', true, depth + 1);
    } else {
      add(node.start, `${open}void 0, `, false, depth, at(open.indexOf('__k6_c'), node.start));
    }
    add(openParen(callee.end), ', __k6_A', true, depth);
    add(node.end, close, true, depth, at(close.indexOf('await'), node.end));
    calls++;
  }

  /**
   * inTwin: the node is evaluated by an async twin's body, where calls may await. depth orders
   * insertions at one offset.
   */
  function visit(node: Node, parent: Node | undefined, inTwin: boolean, depth: number): void {
    switch (node.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const twinned = twin(node, parent, depth);
        // Parameters belong to the function but cannot await: they stay as written.
        for (const p of node.params as Node[]) visit(p, node, false, depth + 2);
        visit(node.body as Node, node, twinned, depth + 2);
        return;
      }
      case 'ClassDeclaration':
      case 'ClassExpression':
        // Methods, accessors, constructors and fields keep their synchronous code.
        if (node.superClass) visit(node.superClass as Node, node, inTwin, depth + 1);
        return;
      case 'Property':
        if (node.method || node.kind !== 'init') {
          if (node.computed) visit(node.key as Node, node, inTwin, depth + 1);
          return;
        }
        break;
      case 'ChainExpression':
        markChain(node.expression as Node);
        break;
      case 'CallExpression': {
        const callee = node.callee as Node;
        const member = callee.type === 'MemberExpression';
        const callable =
          callee.type !== 'Super' &&
          // The runtime's own hooks (__k6_throw, __k6_require) never wait.
          !(callee.type === 'Identifier' && (callee.name as string).startsWith('__k6_')) &&
          !node.optional &&
          // `(a.b)()` keeps a.b's this, and `super.m()` / `a.#m()` cannot be passed to a helper.
          !(
            member &&
            (callee.start !== node.start ||
              (callee.object as Node).type === 'Super' ||
              (callee.property as Node).type === 'PrivateIdentifier')
          );
        if (inTwin && !chained.has(node) && callable) {
          callEdit(node, depth);
          if (callee.type === 'MemberExpression') {
            visit(callee.object as Node, callee, inTwin, depth + 2);
            if (callee.computed) visit(callee.property as Node, callee, inTwin, depth + 2);
          } else {
            visit(callee, node, inTwin, depth + 2);
          }
          for (const a of node.arguments as Node[]) visit(a, node, inTwin, depth + 2);
          return;
        }
        break;
      }
    }
    for (const c of children(node)) visit(c, node, inTwin, depth + 1);
  }
  visit(ast, undefined, false, 0);

  edits.sort(
    (a, b) =>
      a.at - b.at ||
      (a.closing === b.closing
        ? (a.closing ? b.depth - a.depth : a.depth - b.depth) || a.seq - b.seq
        : a.closing
          ? -1
          : 1),
  );
  const insertions: Insertion[] = [];
  let out = '';
  let at = 0;
  let line = 1;
  let lineStart = 0;
  for (const e of edits) {
    for (let i = code.indexOf('\n', at); i !== -1 && i < e.at; i = code.indexOf('\n', i + 1)) {
      line++;
      lineStart = i + 1;
    }
    out += code.slice(at, e.at) + e.text;
    insertions.push(
      e.origins ? [line, e.at - lineStart, e.text.length, e.origins] : [line, e.at - lineStart, e.text.length],
    );
    at = e.at;
  }
  const transformed = out + code.slice(at);
  // A safety net, not a step of the design: code that would not compile runs the way it was written.
  try {
    parse(transformed, {
      ecmaVersion: 'latest',
      sourceType: 'script',
      allowReturnOutsideFunction: true,
      allowAwaitOutsideFunction: true,
      allowHashBang: true,
    });
  } catch (e) {
    return { ok: false, reason: `its transformed code does not parse (${(e as Error).message}), a bug to report` };
  }
  return { ok: true, code: transformed, insertions, twins, calls };
}
