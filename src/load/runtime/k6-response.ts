import { gjsonGet } from './gjson-get.ts';
import { goJsonParseMessage, goJsonSyntaxError } from './go-json-syntax-error.ts';
import type { Selection } from '../html/selection.ts';
import { parseHTML } from './k6-html.ts';
import type { HttpResponseMessage } from './protocol.ts';
import { responseNavigation, type NavigationRequest, type SubmitFormArgs } from './response-navigation.ts';

export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
  /** The Cookie header it went out with, by name (response-cookies.ts). */
  cookies: Record<string, { name: string; value: string; replace: boolean }[]>;
}

/** A k6 http.Response built from the main thread's reply. */
export class K6Response {
  status: number;
  status_text: string;
  proto: string;
  body: string | ArrayBuffer | null;
  headers: Record<string, string>;
  timings: HttpResponseMessage['timings'];
  error: string;
  error_code: number;
  url: string;
  remote_ip: string;
  remote_port: number;
  request: RequestInfo;
  cookies: Record<string, unknown[]> = {};
  tls_version = '';
  tls_cipher_suite = '';
  ocsp = { status: 'unknown' };
  /** How submitForm() and clickLink() make their request (the response itself cannot). */
  readonly #navigate: NavigationRequest;

  constructor(m: HttpResponseMessage, request: RequestInfo, navigate: NavigationRequest) {
    this.#navigate = navigate;
    this.status = m.status;
    this.status_text = m.statusText;
    this.proto = m.proto;
    this.body =
      m.body instanceof Uint8Array
        ? (m.body.buffer.slice(m.body.byteOffset, m.body.byteOffset + m.body.byteLength) as ArrayBuffer)
        : m.body;
    this.headers = m.headers;
    this.timings = m.timings;
    this.error = m.error;
    this.error_code = m.errorCode;
    this.url = m.url;
    this.remote_ip = m.remoteIp;
    this.remote_port = m.remotePort;
    this.request = request;
  }

  // Methods of the class, not closures assigned to every response: few scripts follow forms or links,
  // and every response paid for two closures and an Object.assign.
  submitForm(args?: SubmitFormArgs): K6Response {
    return responseNavigation(this, this.#navigate).submitForm(args);
  }

  clickLink(args?: { selector?: string; params?: unknown }): K6Response {
    return responseNavigation(this, this.#navigate).clickLink(args);
  }

  /**
   * The body parsed as JSON, or with a selector the value at that GJSON path (runtime/gjson-get.ts), as k6's
   * Response.json (js/modules/k6/http/response.go): undefined when the path matches nothing or, with a
   * selector, when the body is not JSON.
   */
  json(selector?: string): unknown {
    if (this.body === null)
      throw new Error(
        "the body is null so we can't transform it to JSON - this likely was because of a request error getting the response",
      );
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    if (selector === undefined) {
      try {
        return JSON.parse(text);
      } catch (error) {
        const bytes = typeof this.body === 'string' ? Buffer.from(this.body, 'utf8') : new Uint8Array(this.body);
        const syntax = goJsonSyntaxError(bytes);
        throw syntax ? new Error(goJsonParseMessage(bytes, syntax)) : error;
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return undefined;
    }
    return gjsonGet(value, String(selector))?.value;
  }

  /** The body as a k6/html Selection (links resolve against res.url), or its find(selector). */
  html(selector?: string): Selection {
    if (this.body === null)
      throw new Error(
        "the body is null so we can't transform it to HTML - this likely was because of a request error getting the response",
      );
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    const doc = parseHTML(text, this.url);
    return selector === undefined ? doc : doc.find(selector);
  }
}
