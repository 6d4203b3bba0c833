/** One entry of http.batch() as the arguments http.request() takes. */
export interface BatchRequest {
  method: string;
  url: unknown;
  body: unknown;
  params: unknown;
}

/** A JS value as Go's %#v prints what sobek exports for it, in k6's batch errors (primitives; the rest as JSON). */
function goSyntax(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v))
    return `[]interface {}{${v.map((e) => (e == null ? 'interface {}(nil)' : goSyntax(e))).join(', ')}}`;
  return JSON.stringify(v) ?? String(v);
}

/**
 * Reads a batch entry as k6 does (js/modules/k6/http/request.go, parseBatchRequest): a URL (string or http.url``)
 * is a GET; `[method, url, body, params]` keeps its body whatever the method; `{ method, url, body, params }`
 * uppercases its method and drops the body of a GET or HEAD, but only when the method is given: without one
 * the entry is a GET that keeps its body. The caller reads http.url`` values as URLs before: they are objects too.
 * Throws k6's message for an array of fewer than two items, a method that is not a string and an object without
 * a url key; `key` is the entry's index or name.
 */
export function batchRequest(item: unknown, key: string | number): BatchRequest {
  if (Array.isArray(item)) {
    if (item.length < 2) throw new Error(`invalid batch request '${goSyntax(item)}'`);
    if (typeof item[0] !== 'string') throw new Error(`invalid method type '${goSyntax(item[0])}'`);
    return { method: item[0], url: item[1], body: item[2], params: item[3] };
  }
  if (typeof item !== 'object' || item === null) return { method: 'GET', url: item, body: null, params: undefined };
  const entry = item as Record<string, unknown>;
  if (!Object.hasOwn(entry, 'url')) throw new Error(`batch request ${key} doesn't have a url key`);
  if (!Object.hasOwn(entry, 'method')) return { method: 'GET', url: entry.url, body: entry.body, params: entry.params };
  if (typeof entry.method !== 'string') throw new Error(`invalid method type '${goSyntax(entry.method)}'`);
  const method = entry.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? null : entry.body;
  return { method, url: entry.url, body, params: entry.params };
}
