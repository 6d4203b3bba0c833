import http from 'k6/http';

/** @typedef {'GET' | 'POST' | 'PATCH' | 'DELETE'} Method */
/** @typedef {import('k6/http').RefinedResponse<import('k6/http').ResponseType | undefined>} Res */
/** @typedef {Record<string, unknown>} Json */

/**
 * Only 2xx is success (k6's own default also accepts 3xx). Individual requests widen this with `expect`, e.g. the
 * isolation probes, whose correct answer is 404. Called from the init context of each script.
 * @returns {void}
 */
export function succeedOnlyOn2xx() {
  http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));
}

/**
 * @typedef {object} RequestOptions
 * @property {Record<string, string | number>} [params] Values for the route template's `:params`.
 * @property {string} [query] Query string without `?`.
 * @property {unknown} [body]
 * @property {number[]} [expect] Statuses that count as success in http_req_failed; default 2xx.
 * @property {Record<string, string>} [headers]
 * @property {Record<string, string>} [tags] More tags; `name` (the route template) and the client's tags are always set.
 */

/**
 * Fills `:id`-style parameters of a route template.
 * @param {string} route
 * @param {Record<string, string | number>} [params={}]
 * @returns {string}
 */
export function fillRoute(route, params = {}) {
  return route.replace(/:([A-Za-z_]\w*)/g, (_m, /** @type {string} */ p) => {
    const v = params[p];
    if (v === undefined) throw new Error(`route ${route}: no value for :${p}`);
    return encodeURIComponent(String(v));
  });
}

/**
 * A client bound to one API key and one tag set. Every request is tagged with `name` = the route template, so
 * URLs with ids do not make one metric series per id, and with the client's tags (tenant) so the per-tenant
 * thresholds see it.
 */
export class ApiClient {
  /**
   * @param {string} baseUrl
   * @param {string} token
   * @param {Record<string, string>} [tags={}]
   */
  constructor(baseUrl, token, tags = {}) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.tags = tags;
  }

  /**
   * @param {Method} method
   * @param {string} route
   * @param {RequestOptions} [o={}]
   * @returns {Res}
   */
  request(method, route, o = {}) {
    const url = `${this.baseUrl}${fillRoute(route, o.params)}${o.query ? `?${o.query}` : ''}`;
    /** @type {Record<string, string>} */
    const headers = { Authorization: `Bearer ${this.token}`, ...o.headers };
    /** @type {string | null} */
    let body = null;
    if (o.body !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(o.body);
    }
    return http.request(method, url, body, {
      headers,
      tags: { ...this.tags, ...o.tags, name: route },
      ...(o.expect ? { responseCallback: http.expectedStatuses(...o.expect) } : {}),
    });
  }

  /**
   * @param {string} route
   * @param {RequestOptions} [o]
   * @returns {Res}
   */
  get(route, o) {
    return this.request('GET', route, o);
  }

  /**
   * @param {string} route
   * @param {unknown} [body]
   * @param {RequestOptions} [o={}]
   * @returns {Res}
   */
  post(route, body, o = {}) {
    return this.request('POST', route, { ...o, body: body ?? {} });
  }

  /**
   * @param {string} route
   * @param {unknown} body
   * @param {RequestOptions} [o={}]
   * @returns {Res}
   */
  patch(route, body, o = {}) {
    return this.request('PATCH', route, { ...o, body });
  }

  /**
   * @param {string} route
   * @param {RequestOptions} [o]
   * @returns {Res}
   */
  del(route, o) {
    return this.request('DELETE', route, o);
  }
}

/**
 * The parsed body, or null when it is not JSON (an error page, a network error).
 * @param {Res} res
 * @returns {Json | null}
 */
export function bodyOf(res) {
  if (typeof res.body !== 'string' || res.body === '') return null;
  try {
    /** @type {unknown} */
    const v = JSON.parse(res.body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? /** @type {Json} */ (v) : null;
  } catch {
    return null;
  }
}

/**
 * `data` of a `{"success":true,"data":…}` answer, else undefined.
 * @template T
 * @param {Res} res
 * @returns {T | undefined}
 */
export function dataOf(res) {
  const b = bodyOf(res);
  return b && b.success === true ? /** @type {T} */ (b.data) : undefined;
}

/**
 * A short description of an unexpected answer, for error messages (bodies are cut: they can be large).
 * @param {Res} res
 * @param {string} what
 * @returns {string}
 */
export function describe(res, what) {
  const body = typeof res.body === 'string' ? res.body.slice(0, 200) : '';
  return `${what} answered ${res.status}${res.error ? ` (${res.error})` : ''}${body ? `: ${body}` : ''}`;
}

/**
 * Picks one element, deterministic for a given counter so runs are reproducible per VU and iteration.
 * @template T
 * @param {readonly T[]} xs
 * @param {number} n
 * @returns {T}
 */
export function pick(xs, n) {
  if (!xs.length) throw new Error('pick from an empty list');
  return /** @type {NonNullable<T>} */ (xs[Math.abs(n) % xs.length]);
}
