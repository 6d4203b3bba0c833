/** An acorn node, as script/async-vu-transform.ts walks them. */
interface Node {
  type: string;
  [key: string]: unknown;
}

const isNode = (v: unknown): v is Node => !!v && typeof v === 'object' && typeof (v as Node).type === 'string';

/**
 * Built-in objects of the thread: every VU of a shared thread sees the same ones (`Math` is not among
 * them: each VU has its own, for randomSeed). In k6, and with one thread per VU, each VU has its own.
 */
const BUILTINS = new Set([
  'console',
  'JSON',
  'Object',
  'Function',
  'Array',
  'String',
  'Number',
  'Boolean',
  'Symbol',
  'BigInt',
  'Date',
  'RegExp',
  'Error',
  'TypeError',
  'RangeError',
  'SyntaxError',
  'ReferenceError',
  'EvalError',
  'URIError',
  'AggregateError',
  'Map',
  'Set',
  'WeakMap',
  'WeakSet',
  'WeakRef',
  'Reflect',
  'Proxy',
  'Intl',
  'ArrayBuffer',
  'DataView',
  'Int8Array',
  'Uint8Array',
  'Uint8ClampedArray',
  'Int16Array',
  'Uint16Array',
  'Int32Array',
  'Uint32Array',
  'Float32Array',
  'Float64Array',
  'BigInt64Array',
  'BigUint64Array',
  'TextEncoder',
  'TextDecoder',
  'URL',
  'URLSearchParams',
  'crypto',
  'performance',
]);

/** Calls that change their first argument's properties or prototype. */
const MUTATORS: Record<string, Set<string>> = {
  Object: new Set([
    'defineProperty',
    'defineProperties',
    'assign',
    'setPrototypeOf',
    'freeze',
    'seal',
    'preventExtensions',
  ]),
  Reflect: new Set(['set', 'defineProperty', 'deleteProperty', 'setPrototypeOf', 'preventExtensions']),
};

/** Names the runtime's wrapper declares around the bundle. */
const WRAPPER_NAMES = new Set(['__k6_module', '__k6_exports']);

function children(node: Node): Node[] {
  const out: Node[] = [];
  for (const [key, value] of Object.entries(node)) {
    if (key === 'loc') continue;
    if (Array.isArray(value)) for (const v of value) if (isNode(v)) out.push(v);
    if (isNode(value)) out.push(value);
  }
  return out;
}

/** The names a binding or assignment pattern binds or assigns (not the members it assigns). */
function patternNames(p: Node | null | undefined, out: string[]): string[] {
  if (!p) return out;
  switch (p.type) {
    case 'Identifier':
      out.push(p.name as string);
      break;
    case 'ObjectPattern':
      for (const prop of p.properties as Node[])
        patternNames(prop.type === 'RestElement' ? prop : (prop.value as Node), out);
      break;
    case 'ArrayPattern':
      for (const e of p.elements as (Node | null)[]) patternNames(e, out);
      break;
    case 'RestElement':
      patternNames(p.argument as Node, out);
      break;
    case 'AssignmentPattern':
      patternNames(p.left as Node, out);
      break;
  }
  return out;
}

/** The identifier a member chain (`a.b[c].d`) starts from, or the `__proto__` link it goes through. */
function chainRoot(target: Node): { root?: string; proto: boolean } {
  let n = target;
  let proto = false;
  while (n.type === 'MemberExpression') {
    const object = n.object as Node;
    const p = n.property as Node;
    // `x.__proto__.y = …` changes x's prototype, which may be a built-in one (Object.prototype…).
    if (n !== target && !n.computed && p.type === 'Identifier' && p.name === '__proto__') proto = true;
    n = object;
  }
  return { root: n.type === 'Identifier' ? (n.name as string) : undefined, proto };
}

/**
 * Why a script cannot run several VUs per thread because it would share state between them, or
 * undefined. The VUs of a shared thread each run their own module instance, but the thread's global
 * object and built-ins are one for all of them:
 *
 * - an assignment to an undeclared name that the global object has (`fetch = …`, `name` of a
 *   prototype property such as `toString = …`) writes that global, which the thread's VUs would all
 *   read and write. Any other undeclared name throws a ReferenceError in both modes, as in k6: the
 *   bundle is strict code (script/module-function.ts);
 * - a change to a built-in (`console.log = …`, `Array.prototype.sum = …`, `JSON.x = …`,
 *   `Object.defineProperty(String.prototype, …)`) would be made once per VU to the one object.
 *
 * A function that writes to `this.…` called without `new` needs no refusal: in strict code its `this`
 * is undefined, so the write throws a TypeError in both modes instead of reaching the global object.
 */
export function sharedStateRefusal(ast: Node): string | undefined {
  const declared = new Set<string>(WRAPPER_NAMES);
  const assigned: string[] = [];
  let refusal: string | undefined;

  const mutated = (target: Node | undefined) => {
    if (!target || refusal) return;
    const { root, proto } = chainRoot(target);
    if (target.type === 'MemberExpression' && root !== undefined && BUILTINS.has(root))
      refusal = `it changes the built-in ${root}, which the VUs of a thread share`;
    else if (proto)
      refusal = 'it changes an object through __proto__, maybe a built-in prototype the VUs of a thread share';
  };

  const visit = (node: Node) => {
    switch (node.type) {
      case 'VariableDeclarator': {
        patternNames(node.id as Node, []).forEach((n) => declared.add(n));
        break;
      }
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        if (node.id) declared.add((node.id as Node).name as string);
        for (const p of node.params as Node[]) patternNames(p, []).forEach((n) => declared.add(n));
        break;
      case 'ClassDeclaration':
      case 'ClassExpression':
        if (node.id) declared.add((node.id as Node).name as string);
        break;
      case 'CatchClause':
        patternNames(node.param as Node | null, []).forEach((n) => declared.add(n));
        break;
      case 'ImportSpecifier':
      case 'ImportDefaultSpecifier':
      case 'ImportNamespaceSpecifier':
        declared.add((node.local as Node).name as string);
        break;
      case 'AssignmentExpression':
        patternNames(node.left as Node, assigned);
        mutated(node.left as Node);
        break;
      case 'UpdateExpression':
        patternNames(node.argument as Node, assigned);
        mutated(node.argument as Node);
        break;
      case 'UnaryExpression':
        if (node.operator === 'delete') mutated(node.argument as Node);
        break;
      case 'ForInStatement':
      case 'ForOfStatement':
        if ((node.left as Node).type !== 'VariableDeclaration') {
          patternNames(node.left as Node, assigned);
          mutated(node.left as Node);
        }
        break;
      case 'CallExpression': {
        const callee = node.callee as Node;
        const first = (node.arguments as Node[])[0];
        if (callee.type === 'MemberExpression' && !callee.computed && first && first.type !== 'SpreadElement') {
          const object = callee.object as Node;
          const method = (callee.property as Node).name as string;
          if (object.type === 'Identifier' && MUTATORS[object.name as string]?.has(method)) {
            const { root, proto } = chainRoot(first);
            if (root !== undefined && BUILTINS.has(root))
              refusal ??= `it changes the built-in ${root}, which the VUs of a thread share`;
            else if (proto)
              refusal ??=
                'it changes an object through __proto__, maybe a built-in prototype the VUs of a thread share';
          }
        }
        break;
      }
    }
    for (const c of children(node)) visit(c);
  };
  visit(ast);
  if (refusal) return refusal;
  // The thread's global object as the transform sees it (the main thread's: the same Node globals).
  const global = assigned.find((name) => !declared.has(name) && name in globalThis);
  return global === undefined
    ? undefined
    : `it assigns ${global} without declaring it, a global the VUs of a thread would share`;
}
