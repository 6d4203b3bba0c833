// Stand-in for https://jslib.k6.io/httpx/<version>/index.js, shipped so scripts run offline.
// Behaviour follows https://grafana.com/docs/k6/latest/javascript-api/jslib/httpx/
import http, { type Body, type Params } from 'k6/http';

const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];

/** What http.url`…` returns: the URL and its template, which becomes the name tag. */
interface TemplateUrl {
  url: string;
  name: string;
}
type Url = string | TemplateUrl;
const isTemplate = (u: unknown): u is TemplateUrl => typeof u === 'object' && u !== null && 'url' in u && 'name' in u;

/** A request to pass to Httpx.batch(); the method classes below preset the method. */
export class Request {
  method: string;
  url: string;
  body: Body;
  params: Params;

  constructor(method: string, url: Url, params: Params & { body?: Body } = {}) {
    const { body = null, ...rest } = params;
    this.method = method;
    this.body = body;
    this.params = rest;
    this.url = isTemplate(url) ? url.url : url;
    if (isTemplate(url)) this.addTag('name', url.name);
  }

  addHeader(name: string, value: string): this {
    this.params.headers = { ...this.params.headers, [name]: value };
    return this;
  }

  addTag(name: string, value: string): this {
    this.params.tags = { ...this.params.tags, [name]: value };
    return this;
  }
}

const preset = (method: string) =>
  class extends Request {
    constructor(url: Url, params?: Params & { body?: Body }) {
      super(method, url, params);
    }
  };
export const Get = preset('GET');
export const Head = preset('HEAD');
export const Post = preset('POST');
export const Put = preset('PUT');
export const Delete = preset('DELETE');
export const Connect = preset('CONNECT');
export const Options = preset('OPTIONS');
export const Trace = preset('TRACE');
export const Patch = preset('PATCH');

interface Metric {
  add(value: number | boolean): void;
}

interface HttpxOptions extends Params {
  baseURL?: string;
  errorMetric?: Metric | null;
  errorMetricCondition?: (res: unknown) => boolean;
}

/** Merges two params objects; the second wins, and headers and tags merge key by key. */
function merge(a: Params = {}, b: Params = {}): Params {
  return { ...a, ...b, headers: { ...a.headers, ...b.headers }, tags: { ...a.tags, ...b.tags } };
}

/** A session over k6/http with a base URL and default params, headers and tags. */
export class Httpx {
  baseURL: string;
  private params: Params;
  private readonly errorMetric: Metric | null;
  private readonly errorMetricCondition: (res: unknown) => boolean;
  private last = { response: undefined as unknown, duration: 0 };

  constructor(options: HttpxOptions = {}) {
    const {
      baseURL = '',
      errorMetric = null,
      errorMetricCondition = (r: unknown) => {
        const s = (r as { status: number }).status;
        return s >= 200 && s <= 399;
      },
      headers = {},
      tags = {},
      ...rest
    } = options;
    this.baseURL = baseURL;
    this.errorMetric = errorMetric;
    this.errorMetricCondition = errorMetricCondition;
    this.params = { ...rest, headers: { ...headers }, tags: { ...tags } };
  }

  get lastRequestChainDuration(): number {
    return this.last.duration;
  }

  setBaseUrl(url: string): void {
    this.baseURL = url;
  }

  addHeader(name: string, value: string): void {
    this.params.headers = { ...this.params.headers, [name]: value };
  }

  addHeaders(headers: Record<string, string>): void {
    this.params.headers = { ...this.params.headers, ...headers };
  }

  clearHeader(name: string): void {
    const { [name]: _gone, ...rest } = this.params.headers ?? {};
    this.params.headers = rest;
  }

  addTag(name: string, value: string): void {
    this.params.tags = { ...this.params.tags, [name]: value };
  }

  addTags(tags: Record<string, string>): void {
    this.params.tags = { ...this.params.tags, ...tags };
  }

  clearTag(name: string): void {
    const { [name]: _gone, ...rest } = this.params.tags ?? {};
    this.params.tags = rest;
  }

  private prepare(method: string, url: Url, params?: Params): [string, Params] {
    if (!METHODS.includes(method)) throw new Error(`Invalid method: ${method}. Expected one of ${METHODS.join(',')}`);
    const merged = merge(this.params, params);
    let target: string;
    if (isTemplate(url)) {
      merged.tags = { ...merged.tags, name: url.name };
      target = url.url;
    } else {
      target = String(url);
    }
    return [/^https?:\/\//.test(target) ? target : this.baseURL + target, merged];
  }

  request(method: string, url: Url, body?: Body, params?: Params): unknown {
    const [target, merged] = this.prepare(method, url, params);
    const start = Date.now();
    const res = http.request(method, target, body ?? null, merged);
    this.last = { response: res, duration: Date.now() - start };
    if (this.errorMetric) {
      const expect = (merged.expect as ((r: unknown) => boolean) | undefined) ?? this.errorMetricCondition;
      this.errorMetric.add(!expect(res));
    }
    return res;
  }

  asyncRequest(method: string, url: Url, body?: Body, params?: Params): Promise<unknown> {
    const [target, merged] = this.prepare(method, url, params);
    return http.asyncRequest(method, target, body ?? null, merged);
  }

  get = (url: Url, body?: Body, params?: Params) => this.request('GET', url, body, params);
  head = (url: Url, body?: Body, params?: Params) => this.request('HEAD', url, body, params);
  post = (url: Url, body?: Body, params?: Params) => this.request('POST', url, body, params);
  put = (url: Url, body?: Body, params?: Params) => this.request('PUT', url, body, params);
  delete = (url: Url, body?: Body, params?: Params) => this.request('DELETE', url, body, params);
  patch = (url: Url, body?: Body, params?: Params) => this.request('PATCH', url, body, params);
  options = (url: Url, body?: Body, params?: Params) => this.request('OPTIONS', url, body, params);
  trace = (url: Url, body?: Body, params?: Params) => this.request('TRACE', url, body, params);
  connect = (url: Url, body?: Body, params?: Params) => this.request('CONNECT', url, body, params);
  asyncGet = (url: Url, body?: Body, params?: Params) => this.asyncRequest('GET', url, body, params);
  asyncHead = (url: Url, body?: Body, params?: Params) => this.asyncRequest('HEAD', url, body, params);
  asyncPost = (url: Url, body?: Body, params?: Params) => this.asyncRequest('POST', url, body, params);
  asyncPut = (url: Url, body?: Body, params?: Params) => this.asyncRequest('PUT', url, body, params);
  asyncDelete = (url: Url, body?: Body, params?: Params) => this.asyncRequest('DELETE', url, body, params);
  asyncPatch = (url: Url, body?: Body, params?: Params) => this.asyncRequest('PATCH', url, body, params);
  asyncOptions = (url: Url, body?: Body, params?: Params) => this.asyncRequest('OPTIONS', url, body, params);
  asyncTrace = (url: Url, body?: Body, params?: Params) => this.asyncRequest('TRACE', url, body, params);
  asyncConnect = (url: Url, body?: Body, params?: Params) => this.asyncRequest('CONNECT', url, body, params);

  /** Sends [method, url, body, params] arrays or Request objects in parallel, with shared params. */
  batch(requests: (unknown[] | Request)[], shared?: Params): unknown[] {
    const list = requests.map((r) => {
      const [method, url, body, params] = Array.isArray(r)
        ? [String(r[0]), String(r[1]), r[2] ?? null, r[3] as Params | undefined]
        : [r.method, r.url, r.body, r.params];
      return [method, this.baseURL + url, body, merge(this.params, merge(shared, params))];
    });
    const start = Date.now();
    const responses = http.batch(list);
    this.last = { response: responses, duration: Date.now() - start };
    return responses;
  }
}
