/** One entry of http.batch() as the arguments http.request() takes. */
export interface BatchRequest {
  method: string;
  url: unknown;
  body: unknown;
  params: unknown;
}

/**
 * Reads a batch entry as k6 does (js/modules/k6/http/request.go, parseBatchRequest): a URL (string or http.url``)
 * is a GET; `[method, url, body, params]` keeps its body whatever the method; `{ method, url, body, params }`
 * uppercases its method and drops the body of a GET or HEAD, but only when the method is given: without one
 * the entry is a GET that keeps its body. The caller reads http.url`` values as URLs before: they are objects too.
 */
export function batchRequest(item: unknown): BatchRequest {
  if (Array.isArray(item)) return { method: String(item[0]), url: item[1], body: item[2], params: item[3] };
  if (typeof item !== 'object' || item === null) return { method: 'GET', url: item, body: null, params: undefined };
  const entry = item as Record<string, unknown>;
  if (typeof entry.method !== 'string')
    return { method: 'GET', url: entry.url, body: entry.body, params: entry.params };
  const method = entry.method.toUpperCase();
  const body = method === 'GET' || method === 'HEAD' ? null : entry.body;
  return { method, url: entry.url, body, params: entry.params };
}
