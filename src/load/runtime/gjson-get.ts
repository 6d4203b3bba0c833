interface Part {
  /** The key text with its escapes, or a query. */
  key: string;
  /** Whether the part is followed by `|` (the rest applies to this part's result as a whole). */
  piped: boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object';

/** Splits off the first part of a path: up to an unescaped `.` or `|` outside a query's parentheses. */
function firstPart(path: string): { part: Part; rest: string | undefined } {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < path.length; i++) {
    const c = path[i];
    if (c === '\\') {
      i++;
    } else if (quoted) {
      if (c === '"') quoted = false;
    } else if (c === '"' && depth > 0) {
      quoted = true;
    } else if (c === '(') {
      depth++;
    } else if (c === ')') {
      depth--;
    } else if ((c === '.' || c === '|') && depth === 0) {
      return { part: { key: path.slice(0, i), piped: c === '|' }, rest: path.slice(i + 1) };
    }
  }
  return { part: { key: path, piped: false }, rest: undefined };
}

const unescape = (key: string) => key.replace(/\\(.)/g, '$1');

/** A key with `*`/`?` wildcards (not escaped) as a RegExp, or undefined when it has none. */
function wildcard(key: string): RegExp | undefined {
  if (!/(^|[^\\])[*?]/.test(key)) return undefined;
  let src = '';
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '\\' && i + 1 < key.length) src += key[++i].replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    else if (c === '*') src += '.*';
    else if (c === '?') src += '.';
    else src += c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${src}$`, 's');
}

function child(value: unknown, key: string): { value: unknown } | undefined {
  if (Array.isArray(value)) {
    if (!/^\d+$/.test(key)) return undefined;
    const i = Number(key);
    return i < value.length ? { value: value[i] } : undefined;
  }
  if (!isObject(value)) return undefined;
  const pattern = wildcard(key);
  if (pattern) {
    const hit = Object.keys(value).find((k) => pattern.test(k));
    return hit === undefined ? undefined : { value: value[hit] };
  }
  const k = unescape(key);
  return Object.prototype.hasOwnProperty.call(value, k) ? { value: value[k] } : undefined;
}

const QUERY = /^#\((.*)\)(#?)$/s;
const OPERATORS = ['==', '!=', '<=', '>=', '!%', '<', '>', '%'];

/** A query's `key op value`, split at the first operator outside a nested query, or undefined without one. */
function condition(query: string): [key: string, op: string, value: string] | undefined {
  let depth = 0;
  for (let i = 0; i < query.length; i++) {
    const c = query[i];
    if (c === '\\') i++;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (depth === 0) {
      const op = OPERATORS.find((o) => query.startsWith(o, i));
      if (op) return [query.slice(0, i), op, query.slice(i + op.length)];
    }
  }
  return undefined;
}

/** A query's literal: a JSON string, number, true, false or null (anything else is taken as a string). */
function literal(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function compare(v: unknown, op: string, want: unknown): boolean {
  if (op === '%' || op === '!%') {
    if (typeof v !== 'string' || typeof want !== 'string') return false;
    return (wildcard(want)?.test(v) ?? v === want) === (op === '%');
  }
  if (typeof v !== typeof want || (want !== null && typeof want === 'object')) return false;
  const a = v as string | number | boolean;
  const b = want as string | number | boolean;
  switch (op) {
    case '==':
      return a === b;
    case '!=':
      return a !== b;
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function matches(element: unknown, query: string): boolean {
  const m = condition(query);
  if (!m) return gjsonGet(element, query.trim()) !== undefined;
  const [key, op, text] = m;
  const found = key.trim() === '' ? { value: element } : gjsonGet(element, key.trim());
  return found !== undefined && compare(found.value, op, literal(text.trim()));
}

/**
 * The value at a GJSON path (https://github.com/tidwall/gjson/blob/master/SYNTAX.md), the selector language of
 * k6's `res.json(selector)` (js/modules/k6/http/response.go), over an already parsed JSON value; undefined when
 * the path matches nothing. The parts real scripts use: dotted keys, array indexes, `\` escapes, `*` and `?`
 * wildcards in keys, `#` (an array's length), `#.key` (that key of every element), queries `#(key op value)`
 * (first match) and `#(…)#` (every match) with `==`, `!=`, `<`, `<=`, `>`, `>=`, `%` (pattern), `!%`, and `|`,
 * which applies the rest of the path to a `#` result as a whole. Modifiers (`@reverse`) and multipaths
 * (`{a,b}`) are not supported: they match nothing.
 */
export function gjsonGet(value: unknown, path: string): { value: unknown } | undefined {
  if (path === '') return undefined;
  const { part, rest } = firstPart(path);
  const query = QUERY.exec(part.key);
  if (part.key === '#' || query) {
    if (!Array.isArray(value)) return undefined;
    let result: unknown;
    let each: boolean;
    if (query) {
      const hits = value.filter((e) => matches(e, query[1]));
      each = query[2] === '#';
      if (!each)
        return hits.length === 0 ? undefined : rest === undefined ? { value: hits[0] } : gjsonGet(hits[0], rest);
      result = hits;
    } else if (rest === undefined || part.piped) {
      result = value.length;
      each = false;
    } else {
      // `#.key`: the key of every element that has it.
      result = value;
      each = true;
    }
    if (rest === undefined) return { value: result };
    if (part.piped || !each) return gjsonGet(result, rest);
    const out: unknown[] = [];
    for (const e of result as unknown[]) {
      const r = gjsonGet(e, rest);
      if (r !== undefined) out.push(r.value);
    }
    return { value: out };
  }
  if (part.key.startsWith('@') || part.key.startsWith('{') || part.key.startsWith('[')) return undefined;
  const next = child(value, part.key);
  if (next === undefined || rest === undefined) return next;
  return gjsonGet(next.value, rest);
}
