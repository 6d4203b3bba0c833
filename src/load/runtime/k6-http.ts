import { parseDuration } from '../options/parse-duration.ts';
import { K6Response, type RequestInfo } from './k6-response.ts';
import type { ExpectedStatuses, HttpRequestMessage } from './protocol.ts';
import { toBuffer } from './to-buffer.ts';
import type { VuState } from './vu-state.ts';

type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

interface Params {
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: string | number;
  redirects?: number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ExpectedStatuses | null;
}

/** What http.url`...` returns: the URL and the template as the `name` tag. */
class HttpURL {
  constructor(
    readonly url: string,
    readonly name: string,
  ) {}
  toString(): string {
    return this.url;
  }
}

class FileData {
  constructor(
    readonly data: string | ArrayBuffer,
    readonly filename: string,
    readonly content_type: string,
  ) {}
}

type Prepared = Omit<HttpRequestMessage, 'id' | 'sync' | 't'> & { info: RequestInfo };

const DEFAULT_TIMEOUT_MS = 60_000;
const USER_AGENT = 'tenantops-load/0.1 (k6-compatible)';

/** The `k6/http` module; sync calls block the VU, asyncRequest returns a Promise. */
export function createK6Http(state: VuState) {
  let responseCallback: ExpectedStatuses | null = { statuses: [], ranges: [[200, 399]] };

  function expectedStatuses(...args: (number | { min: number; max: number })[]): ExpectedStatuses {
    const out: ExpectedStatuses = { statuses: [], ranges: [] };
    for (const a of args) {
      if (typeof a === 'number') out.statuses.push(a);
      else if (a && typeof a.min === 'number' && typeof a.max === 'number') out.ranges.push([a.min, a.max]);
      else throw new Error('expectedStatuses() takes status codes or {min, max} objects');
    }
    return out;
  }

  function prepare(method: string, target: string | HttpURL, body: Body, params: Params = {}): Prepared {
    const url = String(target instanceof HttpURL ? target.url : target);
    const headers: Record<string, string> = { 'User-Agent': USER_AGENT };
    for (const [k, v] of Object.entries(params.headers ?? {})) headers[k] = String(v);
    const payload = encodeBody(body, headers);
    const userTags = Object.fromEntries(Object.entries(params.tags ?? {}).map(([k, v]) => [k, String(v)]));
    const tags = { ...state.tags(), ...userTags };
    if (tags.name === undefined) tags.name = target instanceof HttpURL ? target.name : url;
    const timeout = params.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(params.timeout);
    if (timeout === undefined) throw new Error(`invalid timeout "${String(params.timeout)}"`);
    const maxRedirects = typeof state.options.maxRedirects === 'number' ? state.options.maxRedirects : 10;
    return {
      method: method.toUpperCase(),
      url,
      headers,
      body: payload,
      timeout,
      redirects: params.redirects ?? maxRedirects,
      responseType: params.responseType ?? (state.options.discardResponseBodies ? 'none' : 'text'),
      tags,
      expected: params.responseCallback === undefined ? responseCallback : params.responseCallback,
      info: {
        method: method.toUpperCase(),
        url,
        headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])),
        body: typeof payload === 'string' ? payload : payload ? Buffer.from(payload).toString('latin1') : '',
      },
    };
  }

  function send(list: Prepared[]): K6Response[] {
    const replies = state.requestSync(list.map(({ info: _info, ...req }) => req));
    return replies.map((r, i) => new K6Response(r, list[i].info));
  }

  const request = (method: string, url: string | HttpURL, body?: Body, params?: Params) =>
    send([prepare(method, url, body, params)])[0];

  type BatchItem =
    string | HttpURL | unknown[] | { method?: string; url: string | HttpURL; body?: Body; params?: Params };
  function batchItem(item: BatchItem): Prepared {
    if (typeof item === 'string' || item instanceof HttpURL) return prepare('GET', item, null);
    if (Array.isArray(item))
      return prepare(String(item[0]), item[1] as string, item[2] as Body, (item[3] ?? {}) as Params);
    return prepare(item.method ?? 'GET', item.url, item.body, item.params);
  }

  return {
    request,
    get: (url: string | HttpURL, params?: Params) => request('GET', url, null, params),
    head: (url: string | HttpURL, params?: Params) => request('HEAD', url, null, params),
    options: (url: string | HttpURL, body?: Body, params?: Params) => request('OPTIONS', url, body, params),
    post: (url: string | HttpURL, body?: Body, params?: Params) => request('POST', url, body, params),
    put: (url: string | HttpURL, body?: Body, params?: Params) => request('PUT', url, body, params),
    patch: (url: string | HttpURL, body?: Body, params?: Params) => request('PATCH', url, body, params),
    del: (url: string | HttpURL, body?: Body, params?: Params) => request('DELETE', url, body, params),
    batch(requests: BatchItem[] | Record<string, BatchItem>) {
      if (Array.isArray(requests)) return send(requests.map(batchItem));
      const keys = Object.keys(requests);
      const responses = send(keys.map((k) => batchItem(requests[k])));
      return Object.fromEntries(keys.map((k, i) => [k, responses[i]]));
    },
    async asyncRequest(method: string, url: string | HttpURL, body?: Body, params?: Params) {
      const { info, ...req } = prepare(method, url, body, params);
      return new K6Response(await state.requestAsync(req), info);
    },
    url(strings: TemplateStringsArray, ...values: unknown[]) {
      let url = strings[0];
      let name = strings[0];
      values.forEach((v, i) => {
        url += String(v) + strings[i + 1];
        name += '${}' + strings[i + 1];
      });
      return new HttpURL(url, name);
    },
    file: (data: string | ArrayBuffer, filename = 'file', contentType = 'application/octet-stream') =>
      new FileData(data, filename, contentType),
    expectedStatuses,
    setResponseCallback(cb: ExpectedStatuses | null) {
      responseCallback = cb;
    },
    cookieJar() {
      throw new Error('http.cookieJar() is not supported by tenantops load; set Cookie headers explicitly');
    },
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
  };

  /** k6 sends a plain object as a form: urlencoded, or multipart when it holds http.file() values. */
  function encodeBody(body: Body, headers: Record<string, string>): string | Uint8Array | null {
    if (body === null || body === undefined) return null;
    if (typeof body === 'string') return body;
    if (body instanceof ArrayBuffer || ArrayBuffer.isView(body)) return new Uint8Array(toBuffer(body));
    const entries = Object.entries(body);
    const hasType = Object.keys(headers).some((k) => k.toLowerCase() === 'content-type');
    if (entries.some(([, v]) => v instanceof FileData)) {
      const boundary = `----tenantops${Math.random().toString(16).slice(2)}`;
      const parts: Buffer[] = [];
      for (const [k, v] of entries) {
        const head =
          v instanceof FileData
            ? `--${boundary}\r\nContent-Disposition: form-data; name="${k}"; filename="${v.filename}"\r\nContent-Type: ${v.content_type}\r\n\r\n`
            : `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n`;
        parts.push(
          Buffer.from(head),
          v instanceof FileData ? toBuffer(v.data) : Buffer.from(String(v)),
          Buffer.from('\r\n'),
        );
      }
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      if (!hasType) headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
      return new Uint8Array(Buffer.concat(parts));
    }
    if (!hasType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString();
  }
}
