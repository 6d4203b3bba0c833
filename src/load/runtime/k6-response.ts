import type { Selection } from '../html/selection.ts';
import { parseHTML } from './k6-html.ts';
import type { HttpResponseMessage } from './protocol.ts';

export interface RequestInfo {
  method: string;
  url: string;
  headers: Record<string, string[]>;
  body: string;
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

  constructor(m: HttpResponseMessage, request: RequestInfo) {
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

  /** Parses the body as JSON; a selector such as "items.0.id" walks into it (a subset of k6's gjson paths). */
  json(selector?: string): unknown {
    if (this.body === null) throw new Error('the response has no body (responseType "none"?)');
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    const value: unknown = JSON.parse(text);
    if (!selector) return value;
    let cur: unknown = value;
    for (const key of selector.split('.')) {
      if (cur === null || typeof cur !== 'object') return undefined;
      cur = (cur as Record<string, unknown>)[key];
    }
    return cur;
  }

  /** The body as a k6/html Selection (links resolve against res.url), or its find(selector). */
  html(selector?: string): Selection {
    if (this.body === null) throw new Error("the body is null so we can't transform it to HTML");
    const text = typeof this.body === 'string' ? this.body : Buffer.from(this.body).toString('utf8');
    const doc = parseHTML(text, this.url);
    return selector === undefined ? doc : doc.find(selector);
  }
}
