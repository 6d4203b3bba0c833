import { CookieJar } from '../http/cookie-jar.ts';
import { encodeForm, formValue } from '../http/encode-form.ts';
import { goUrlParseError } from '../http/go-url-parse-error.ts';
import { parseSetCookie, type SetCookie } from '../http/parse-set-cookie.ts';
import { requestCookieHeader, type RequestCookie } from '../http/request-cookie-header.ts';
import { tlsSettings, type TlsSettings } from '../http/tls-settings.ts';
import { parseDuration } from '../options/parse-duration.ts';
import { Pending, withAsyncForm } from './async-calls.ts';
import { batchRequest } from './batch-request.ts';
import { customUserTags } from './custom-user-tags.ts';
import { K6CookieJar } from './k6-cookie-jar.ts';
import { K6Response, type RequestInfo } from './k6-response.ts';
import {
  zeroTimings,
  type ExpectedStatuses,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type ScenarioInfo,
} from './protocol.ts';
import { requestCookies, responseCookies } from './response-cookies.ts';
import { toBuffer } from './to-buffer.ts';
import { userAgentOf } from './user-agent.ts';
import type { VuState } from './vu-state.ts';

type Body = string | ArrayBuffer | ArrayBufferView | Record<string, unknown> | null | undefined;

interface Params {
  headers?: Record<string, unknown>;
  tags?: Record<string, unknown>;
  timeout?: string | number;
  redirects?: number;
  responseType?: 'text' | 'binary' | 'none';
  responseCallback?: ExpectedStatuses | null;
  cookies?: Record<string, unknown>;
  jar?: K6CookieJar | null;
  auth?: string;
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

/** k6's error code for a URL Go's url.Parse refuses (lib/netext/httpext/error_codes.go invalidURLErrorCode). */
const INVALID_URL = 1020;

/** A request k6 refuses before sending it: the URL is not one Go parses (lib/netext/httpext/url.go NewURL, ToURL). */
class InvalidUrlError extends Error {
  readonly code = INVALID_URL;
}

/**
 * k6's error for a request URL, if it refuses it: `invalid URL: parse "…": reason` for a text Go's url.Parse
 * refuses (http/go-url-parse-error.ts), `invalid URL: '#<nil>'` (Go's %v) for null, undefined, a number or a boolean.
 */
function invalidUrl(target: unknown): string | undefined {
  if (target instanceof HttpURL) return undefined;
  if (target === null || target === undefined) return "invalid URL: '#<nil>'";
  if (typeof target === 'number' || typeof target === 'boolean') return `invalid URL: '#${String(target)}'`;
  if (typeof target !== 'string') return undefined;
  const reason = goUrlParseError(target);
  return reason === undefined ? undefined : `invalid URL: ${reason}`;
}

type Prepared = Omit<HttpRequestMessage, 'id' | 'sync' | 't'> & { info: RequestInfo; store: CookieJar };

const DEFAULT_TIMEOUT_MS = 60_000;

/** The `k6/http` module; sync calls block the VU, asyncRequest returns a Promise. */
export function createK6Http(state: VuState) {
  let responseCallback: ExpectedStatuses | null = { statuses: [], ranges: [[200, 399]] };

  // k6 empties the VU's jar before each iteration unless the noCookiesReset option is set.
  // https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/#no-cookies-reset
  const vuStore = new CookieJar();
  let storeIteration = -1;
  let storeScenario: ScenarioInfo | undefined;
  const vuJar = new K6CookieJar(() => {
    if (
      !state.options.noCookiesReset &&
      (storeIteration !== state.iterationInInstance || storeScenario !== state.scenario)
    ) {
      vuStore.clearAll();
      storeIteration = state.iterationInInstance;
      storeScenario = state.scenario;
    }
    return vuStore;
  });

  let tlsFor: Record<string, unknown> | undefined;
  let tls: TlsSettings | undefined;
  const tlsOf = (options: Record<string, unknown>) => {
    if (options !== tlsFor) {
      tls = tlsSettings(options);
      tlsFor = options;
    }
    return tls;
  };

  function expectedStatuses(...args: (number | { min: number; max: number })[]): ExpectedStatuses {
    const out: ExpectedStatuses = { statuses: [], ranges: [] };
    for (const a of args) {
      if (typeof a === 'number') out.statuses.push(a);
      else if (a && typeof a.min === 'number' && typeof a.max === 'number') out.ranges.push([a.min, a.max]);
      else throw new Error('expectedStatuses() takes status codes or {min, max} objects');
    }
    return out;
  }

  function prepare(method: string, target: string | HttpURL, body: Body, params: Params | null = {}): Prepared {
    const refused = invalidUrl(target);
    if (refused !== undefined) throw new InvalidUrlError(refused);
    params ??= {};
    const url = String(target instanceof HttpURL ? target.url : target);
    const userAgent = userAgentOf(state.options);
    const headers: Record<string, string> = userAgent ? { 'User-Agent': userAgent } : {};
    for (const [k, v] of Object.entries(params.headers ?? {})) {
      if (v === null || v === undefined) continue;
      // Header names are case-insensitive: the script's value replaces the default of the same name.
      for (const old of Object.keys(headers)) if (old.toLowerCase() === k.toLowerCase()) delete headers[old];
      headers[k] = String(v);
    }
    const payload = encodeBody(body, headers);
    const tags = state.tags();
    try {
      Object.assign(tags, customUserTags(params.tags));
    } catch (e) {
      throw new Error(`invalid HTTP request metric tags: ${(e as Error).message}`);
    }
    // Without a name tag the main thread names each hop by its URL, as k6 does after redirects.
    if (tags.name === undefined && target instanceof HttpURL && target.name !== url) tags.name = target.name;
    const timeout = params.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(params.timeout);
    if (timeout === undefined) throw new Error(`invalid timeout "${String(params.timeout)}"`);
    const maxRedirects = typeof state.options.maxRedirects === 'number' ? state.options.maxRedirects : 10;
    const redirects = params.redirects ?? maxRedirects;
    const warnRedirects = params.redirects === undefined && typeof state.options.maxRedirects !== 'number';
    const store = params.jar instanceof K6CookieJar ? params.jar.store : vuJar.store;
    const cookies = paramCookies(params.cookies);
    const cookieKey = Object.keys(headers).find((k) => k.toLowerCase() === 'cookie');
    const cookie = requestCookieHeader(cookieKey && headers[cookieKey], store, url, cookies);
    if (cookieKey) delete headers[cookieKey];
    if (cookie) headers.Cookie = cookie;
    // k6 sends the method as the script wrote it (js/modules/k6/http/request.go parseRequest: http.Request{Method:
    // method}), `get` as `get`; only a batch entry's `method` key is upper-cased (batch-request.ts).
    const upper = String(method);
    // res.request.headers: each value in a list, as Go's http.Header.
    const infoHeaders: Record<string, string[]> = {};
    for (const k in headers) infoHeaders[k] = [headers[k]];
    return {
      method: upper,
      url,
      headers,
      body: payload,
      timeout,
      redirects,
      warnRedirects: warnRedirects || undefined,
      responseType: params.responseType ?? (state.options.discardResponseBodies ? 'none' : 'text'),
      tags,
      expected: params.responseCallback === undefined ? responseCallback : params.responseCallback,
      // The jar travels only when a redirect may need it; replies carry Set-Cookie back (see send).
      jar: redirects > 0 && store.size ? store.snapshot() : redirects > 0 ? [] : undefined,
      cookies: redirects > 0 && cookies.length ? cookies : undefined,
      auth: params.auth ? String(params.auth) : undefined,
      tls: tlsOf(state.options),
      store,
      info: {
        method: upper,
        url,
        headers: infoHeaders,
        body: typeof payload === 'string' ? payload : payload ? Buffer.from(payload).toString('latin1') : '',
        cookies: requestCookies(cookie),
      },
    };
  }

  /** Turns a reply into a Response, and stores the cookies its hops set in the request's jar. */
  function respond(reply: HttpResponseMessage, prepared: Prepared): K6Response {
    const res = new K6Response(reply, prepared.info, navigate);
    for (const [url, values, final] of reply.setCookies ?? []) {
      prepared.store.setCookies(
        url,
        values.map(parseSetCookie).filter((c): c is SetCookie => c !== null),
      );
      if (final) res.cookies = responseCookies(values);
    }
    // k6 (lib/netext/httpext/request.go CheckRedirect) warns when the default limit, not one the script set,
    // stops a request, naming the request's first URL.
    if (reply.redirectsStopped)
      state.post({
        t: 'log',
        level: 'warn',
        message:
          `Stopped after ${reply.redirectsStopped} redirects and returned the redirection; pass { redirects: n } ` +
          'in request params or set global maxRedirects to silence this',
        fields: { url: prepared.url },
      });
    res.tls_version = reply.tlsVersion ?? '';
    res.tls_cipher_suite = reply.tlsCipherSuite ?? '';
    return res;
  }

  function send(list: Prepared[]): K6Response[] {
    const replies = state.requestSync(list.map(({ info: _info, store: _store, ...req }) => req));
    return replies.map((r, i) => respond(r, list[i]));
  }

  /**
   * A request whose URL k6 refuses before sending it (js/modules/k6/http/request.go handleParseRequestError): the
   * error is thrown with the throw option; without, k6 warns `Request Failed` and returns a response with nothing
   * but the error and its code. Nothing is sent and no metric recorded. Other errors of prepare() are thrown.
   */
  function refusedRequest(e: unknown): K6Response {
    if (!(e instanceof InvalidUrlError)) throw e;
    if (state.options.throw === true) throw new Error(e.message);
    state.post({ t: 'log', level: 'warn', message: 'Request Failed', fields: { error: e.message } });
    return unsent(e.message, e.code);
  }

  /** prepare(), or the response k6 gives when it refuses the URL. */
  function prepareOrRefuse(method: string, url: string | HttpURL, body?: Body, params?: Params): Prepared | K6Response {
    try {
      return prepare(method, url, body, params);
    } catch (e) {
      return refusedRequest(e);
    }
  }

  function request(method: string, url: string | HttpURL, body?: Body, params?: Params): K6Response {
    const prepared = prepareOrRefuse(method, url, body, params);
    return prepared instanceof K6Response ? prepared : send([prepared])[0];
  }
  /** res.submitForm() and res.clickLink(): one function for every response of this VU. */
  const navigate = (m: string, u: string, b: unknown, p: unknown) => request(m, u, b as Body, p as Params);

  /** send() for a VU that shares its thread: the transformed call site awaits the responses. */
  const sendShared = (list: Prepared[]) =>
    state.requestShared(list).then((replies) => replies.map((r, i) => respond(r, list[i])));

  type BatchItem = string | HttpURL | unknown[] | Record<string, unknown>;
  type Batch = BatchItem[] | Record<string, BatchItem>;

  /**
   * Prepares every entry of a batch, or none: at the first entry k6 cannot read (an error of parseBatchRequest or
   * parseRequest in js/modules/k6/http/request.go) no request goes out. With the throw option that error is thrown;
   * without, k6 warns 'A batch request failed' and returns what it had: an empty response for each entry before,
   * one with the error for this one, null (an array) or no key (an object) for those after.
   */
  function prepareBatch(requests: Batch): { prepared: Prepared[] } | { failed: K6Response[] | object } {
    const keys: (string | number)[] = Array.isArray(requests)
      ? Array.from(requests, (_, i) => i)
      : Object.keys(requests);
    const prepared: Prepared[] = [];
    for (const key of keys) {
      const item = (requests as Record<string | number, BatchItem>)[key];
      try {
        if (item instanceof HttpURL) prepared.push(prepare('GET', item, null));
        else {
          const { method, url, body, params } = batchRequest(item, key);
          prepared.push(prepare(method, url as string | HttpURL, body as Body, (params ?? {}) as Params));
        }
      } catch (e) {
        const message = e instanceof Error ? e.message : String(e);
        if (state.options.throw === true) throw e instanceof InvalidUrlError ? new Error(message) : e;
        state.post({ t: 'log', level: 'warn', message: 'A batch request failed', fields: { error: message } });
        // k6 (prepareBatchArray/Object) gives the failed entry the error's code too: 1020 for an invalid URL.
        const code = e instanceof InvalidUrlError ? e.code : 0;
        const answered = [...prepared.map(() => unsent('')), unsent(message, code)];
        if (!Array.isArray(requests)) return { failed: Object.fromEntries(answered.map((r, i) => [keys[i], r])) };
        return { failed: keys.map((_, i) => answered[i] ?? null) };
      }
    }
    return { prepared };
  }

  /** The response k6 gives a batch entry that was not sent: nothing but the error, if it is the one that failed. */
  function unsent(error: string, errorCode = 0): K6Response {
    const timings = zeroTimings();
    return new K6Response(
      {
        id: 0,
        status: 0,
        statusText: '',
        proto: '',
        headers: {},
        body: null,
        timings,
        error,
        errorCode,
        url: '',
        remoteIp: '',
        remotePort: 0,
      },
      { method: '', url: '', headers: {}, body: '', cookies: {} },
      navigate,
    );
  }

  /** The responses of a batch in its own shape: an array, or an object by the same keys. */
  const byKeys = (requests: Batch, responses: K6Response[]) =>
    Array.isArray(requests) ? responses : Object.fromEntries(Object.keys(requests).map((k, i) => [k, responses[i]]));

  const api = {
    request,
    get: (url: string | HttpURL, params?: Params) => request('GET', url, null, params),
    head: (url: string | HttpURL, params?: Params) => request('HEAD', url, null, params),
    options: (url: string | HttpURL, body?: Body, params?: Params) => request('OPTIONS', url, body, params),
    post: (url: string | HttpURL, body?: Body, params?: Params) => request('POST', url, body, params),
    put: (url: string | HttpURL, body?: Body, params?: Params) => request('PUT', url, body, params),
    patch: (url: string | HttpURL, body?: Body, params?: Params) => request('PATCH', url, body, params),
    del: (url: string | HttpURL, body?: Body, params?: Params) => request('DELETE', url, body, params),
    batch(requests: Batch) {
      const batch = prepareBatch(requests);
      return 'failed' in batch ? batch.failed : byKeys(requests, send(batch.prepared));
    },
    async asyncRequest(method: string, url: string | HttpURL, body?: Body, params?: Params) {
      const prepared = prepareOrRefuse(method, url, body, params);
      if (prepared instanceof K6Response) return prepared;
      const { info: _info, store: _store, ...req } = prepared;
      return respond(await state.requestAsync(req), prepared);
    },
    url(strings: TemplateStringsArray, ...values: unknown[]) {
      let url = strings[0];
      let name = strings[0];
      values.forEach((v, i) => {
        url += String(v) + strings[i + 1];
        name += '${}' + strings[i + 1];
      });
      // k6 parses the URL here (js/modules/k6/http/http.go URL → NewURL) and throws what Go refuses.
      const refused = invalidUrl(url);
      if (refused !== undefined) throw new Error(refused);
      return new HttpURL(url, name);
    },
    file: (data: string | ArrayBuffer, filename = 'file', contentType = 'application/octet-stream') =>
      new FileData(data, filename, contentType),
    expectedStatuses,
    setResponseCallback(cb: ExpectedStatuses | null) {
      responseCallback = cb;
    },
    cookieJar: () => vuJar,
    CookieJar: K6CookieJar,
    SSL_3_0: 'ssl3.0',
    TLS_1_0: 'tls1.0',
    TLS_1_1: 'tls1.1',
    TLS_1_2: 'tls1.2',
    TLS_1_3: 'tls1.3',
    OCSP_STATUS_GOOD: 'good',
    OCSP_STATUS_REVOKED: 'revoked',
    OCSP_STATUS_SERVER_FAILED: 'server_failed',
    OCSP_STATUS_UNKNOWN: 'unknown',
  };
  if (state.shared) {
    // The forms transformed call sites use (runtime/async-calls.ts): same preparation, no blocking.
    const one = (method: string, url: string | HttpURL, body?: Body, params?: Params) => {
      const prepared = prepareOrRefuse(method, url, body, params);
      return new Pending(
        prepared instanceof K6Response ? Promise.resolve(prepared) : sendShared([prepared]).then((r) => r[0]),
      );
    };
    withAsyncForm(api.request, one);
    withAsyncForm(api.get, (url: string | HttpURL, params?: Params) => one('GET', url, null, params));
    withAsyncForm(api.head, (url: string | HttpURL, params?: Params) => one('HEAD', url, null, params));
    for (const [name, method] of [
      ['options', 'OPTIONS'],
      ['post', 'POST'],
      ['put', 'PUT'],
      ['patch', 'PATCH'],
      ['del', 'DELETE'],
    ] as const) {
      withAsyncForm(api[name], (url: string | HttpURL, body?: Body, params?: Params) => one(method, url, body, params));
    }
    withAsyncForm(api.batch, (requests: Batch) => {
      const batch = prepareBatch(requests);
      if ('failed' in batch) return new Pending(Promise.resolve(batch.failed));
      return new Pending(sendShared(batch.prepared).then((responses) => byKeys(requests, responses)));
    });
  }
  return api;

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
          v instanceof FileData ? toBuffer(v.data) : Buffer.from(formValue(v)),
          Buffer.from('\r\n'),
        );
      }
      parts.push(Buffer.from(`--${boundary}--\r\n`));
      if (!hasType) headers['Content-Type'] = `multipart/form-data; boundary=${boundary}`;
      return new Uint8Array(Buffer.concat(parts));
    }
    if (!hasType) headers['Content-Type'] = 'application/x-www-form-urlencoded';
    return encodeForm(body);
  }

  /** params.cookies: `{ name: 'value' }` or `{ name: { value, replace } }`; null values are skipped, as in k6. */
  function paramCookies(cookies: Record<string, unknown> | undefined): RequestCookie[] {
    const out: RequestCookie[] = [];
    for (const [name, v] of Object.entries(cookies ?? {})) {
      if (v === null || v === undefined) continue;
      if (typeof v === 'object') {
        const c = v as { value?: unknown; replace?: unknown };
        out.push({ name, value: c.value === undefined ? '' : String(c.value), replace: Boolean(c.replace) });
      } else {
        out.push({ name, value: String(v), replace: false });
      }
    }
    return out;
  }
}
