/** An acorn node, as script/async-vu-transform.ts walks them. */
export interface CalleeNode {
  type: string;
  [key: string]: unknown;
}

const INTERMEDIATE = '(intermediate value)';
const WORD_OPERATORS = new Set(['typeof', 'void', 'delete']);

/**
 * A callee as V8 prints it in "… is not a function" (its CallPrinter): `o['a'].b()` is `o.a.b`,
 * `get(1)()` is `get(...)`, `(0, o.f)()` is `(0 , o.f)`, `(void 0)()` is `(void 0)`, a `new` or a
 * function literal is `(intermediate value)`. A transformed call site throws that message itself when
 * its callee is not a function, so the message matches the one the isolated mode shows.
 */
export function calleeText(n: CalleeNode): string {
  const child = (key: string) => calleeText(n[key] as CalleeNode);
  switch (n.type) {
    case 'Identifier':
      return n.name as string;
    case 'PrivateIdentifier':
      return `#${n.name as string}`;
    case 'ThisExpression':
      return 'this';
    case 'Super':
      return 'super';
    case 'Literal': {
      const v = n.value;
      if (n.regex) return n.raw as string;
      if (typeof n.bigint === 'string') return INTERMEDIATE;
      if (typeof v === 'string') return `"${v}"`;
      return String(v);
    }
    case 'TemplateLiteral': {
      const quasis = n.quasis as CalleeNode[];
      const expressions = n.expressions as CalleeNode[];
      if (expressions.length === 0) return `"${String((quasis[0].value as { cooked: unknown }).cooked)}"`;
      // V8 folds `a${k}` into a concatenation and prints its one non-empty part.
      return expressions.length === 1 ? calleeText(expressions[0]) : INTERMEDIATE;
    }
    case 'ArrayExpression':
      return `[${(n.elements as (CalleeNode | null)[]).map((e) => (e ? calleeText(e) : '')).join(',')}]`;
    case 'ObjectExpression':
      return `{${(n.properties as unknown[]).map(() => INTERMEDIATE).join('')}}`;
    case 'UnaryExpression': {
      const op = n.operator as string;
      const arg = n.argument as CalleeNode;
      // A negative number literal is one literal to V8.
      if (op === '-' && arg.type === 'Literal' && typeof arg.value === 'number') return `-${String(arg.value)}`;
      return `(${op}${WORD_OPERATORS.has(op) ? ' ' : ''}${calleeText(arg)})`;
    }
    case 'UpdateExpression':
      return n.prefix
        ? `(${n.operator as string}${child('argument')})`
        : `(${child('argument')}${n.operator as string})`;
    case 'BinaryExpression':
    case 'LogicalExpression':
      return `(${child('left')} ${n.operator as string} ${child('right')})`;
    case 'SequenceExpression':
      return `(${(n.expressions as CalleeNode[]).map(calleeText).join(' , ')})`;
    case 'ConditionalExpression':
      return INTERMEDIATE.repeat(3);
    case 'AssignmentExpression':
      return child('left');
    case 'ChainExpression':
      return child('expression');
    case 'CallExpression':
      return `${child('callee')}(...)`;
    case 'MemberExpression': {
      const object = child('object');
      const dot = n.optional ? '?.' : '.';
      const p = n.property as CalleeNode;
      if (!n.computed) return `${object}${dot}${calleeText(p)}`;
      // A string key prints as a name, whatever it holds (`o['x-y']` is `o.x-y`).
      if (p.type === 'Literal' && typeof p.value === 'string') return `${object}${dot}${p.value}`;
      if (p.type === 'TemplateLiteral' && (p.expressions as unknown[]).length === 0)
        return `${object}${dot}${String(((p.quasis as CalleeNode[])[0].value as { cooked: unknown }).cooked)}`;
      return `${object}${n.optional ? '?.' : ''}[${calleeText(p)}]`;
    }
    default:
      return INTERMEDIATE;
  }
}
