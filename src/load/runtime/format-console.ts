/**
 * Renders console arguments the way k6's console does (k6 ≥ 1.5, internal/js/console.go): arguments
 * joined by one space, no printf-style substitution; strings, numbers and errors as their text;
 * objects as `{ key: value }` with quoted strings, arrays as `[ 1, 2 ]`, `null` for undefined inside
 * objects, `[Circular]` for a reference to an enclosing object, functions as `[object Function]`.
 * https://grafana.com/docs/k6/latest/javascript-api/#console (k6 logs through its logger, not Node's util.inspect)
 */
export function formatConsole(args: unknown[]): string {
  return args.map(topLevel).join(' ');
}

const FUNCTION = '[object Function]';

function topLevel(v: unknown): string {
  if (typeof v === 'function') return FUNCTION;
  if (v === null || typeof v !== 'object') return String(v);
  if (v instanceof Error) return String(v);
  return nested(v, new Set());
}

function nested(v: unknown, seen: Set<object>): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'function') return FUNCTION;
  if (typeof v === 'string') return `"${v}"`;
  if (typeof v !== 'object') return String(v);
  if (seen.has(v)) return '[Circular]';
  if (v instanceof Error) return String(v);
  seen.add(v);
  try {
    if (v instanceof ArrayBuffer) {
      const bytes = [...new Uint8Array(v)].map((b) => b.toString(16).padStart(2, '0')).join(' ');
      return `ArrayBuffer { [Uint8Contents]: <${bytes}>, byteLength: ${v.byteLength} }`;
    }
    if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const items = Array.from(v as unknown as ArrayLike<number | bigint>, String);
      const name = v.constructor.name;
      return items.length ? `${name}(${items.length}) [ ${items.join(', ')} ]` : `${name}(0) []`;
    }
    if (Array.isArray(v)) {
      if (v.length === 0) return '[]';
      const items: string[] = [];
      for (let i = 0; i < v.length; i++) items.push(nested(v[i], seen));
      return `[ ${items.join(', ')} ]`;
    }
    const keys = Object.keys(v);
    if (keys.length === 0) return v instanceof Date && !Number.isNaN(v.getTime()) ? `"${v.toISOString()}"` : '{}';
    const record = v as Record<string, unknown>;
    return `{ ${keys.map((k) => `${k}: ${nested(record[k], seen)}`).join(', ')} }`;
  } finally {
    seen.delete(v);
  }
}
