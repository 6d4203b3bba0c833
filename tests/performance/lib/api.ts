import http from 'k6/http';
import type { RefinedResponse, ResponseType } from 'k6/http';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';
export type Res = RefinedResponse<ResponseType | undefined>;
type Json = Record<string, unknown>;

/**
 * Only 2xx is success (k6's own default also accepts 3xx). Individual requests widen this with `expect`, e.g. the
 * isolation probes, whose correct answer is 404. Called from the init context of each script.
 */
export function succeedOnlyOn2xx(): void {
  http.setResponseCallback(http.expectedStatuses({ min: 200, max: 299 }));
}

export interface RequestOptions {
  /** Values for the route template's `:params`. */
  params?: Record<string, string | number>;
  /** Query string without `?`. */
  query?: string;
  body?: unknown;
  /** Statuses that count as success in http_req_failed; default 2xx. */
  expect?: number[];
  headers?: Record<string, string>;
  /** More tags; `name` (the route template) and the client's tags are always set. */
  tags?: Record<string, string>;
}

/** Fills `:id`-style parameters of a route template. */
export function fillRoute(route: string, params: Record<string, string | number> = {}): string {
  return route.replace(/:([A-Za-z_]\w*)/g, (_m, p: string) => {
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
  readonly baseUrl: string;
  private readonly token: string;
  readonly tags: Record<string, string>;

  constructor(baseUrl: string, token: string, tags: Record<string, string> = {}) {
    this.baseUrl = baseUrl;
    this.token = token;
    this.tags = tags;
  }

  request(method: Method, route: string, o: RequestOptions = {}): Res {
    const url = `${this.baseUrl}${fillRoute(route, o.params)}${o.query ? `?${o.query}` : ''}`;
    const headers: Record<string, string> = { Authorization: `Bearer ${this.token}`, ...o.headers };
    let body: string | null = null;
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

  get(route: string, o?: RequestOptions): Res {
    return this.request('GET', route, o);
  }

  post(route: string, body?: unknown, o: RequestOptions = {}): Res {
    return this.request('POST', route, { ...o, body: body ?? {} });
  }

  patch(route: string, body: unknown, o: RequestOptions = {}): Res {
    return this.request('PATCH', route, { ...o, body });
  }

  del(route: string, o?: RequestOptions): Res {
    return this.request('DELETE', route, o);
  }
}

/** The parsed body, or null when it is not JSON (an error page, a network error). */
export function bodyOf(res: Res): Json | null {
  if (typeof res.body !== 'string' || res.body === '') return null;
  try {
    const v: unknown = JSON.parse(res.body);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
  } catch {
    return null;
  }
}

/** `data` of a `{"success":true,"data":…}` answer, else undefined. */
export function dataOf<T>(res: Res): T | undefined {
  const b = bodyOf(res);
  return b && b.success === true ? (b.data as T) : undefined;
}

/** A short description of an unexpected answer, for error messages (bodies are cut: they can be large). */
export function describe(res: Res, what: string): string {
  const body = typeof res.body === 'string' ? res.body.slice(0, 200) : '';
  return `${what} answered ${res.status}${res.error ? ` (${res.error})` : ''}${body ? `: ${body}` : ''}`;
}

/** Picks one element, deterministic for a given counter so runs are reproducible per VU and iteration. */
export function pick<T>(xs: readonly T[], n: number): T {
  if (!xs.length) throw new Error('pick from an empty list');
  return xs[Math.abs(n) % xs.length]!;
}
