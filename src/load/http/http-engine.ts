import { Agent, type Dispatcher } from 'undici';
import type { Metric, MetricEngine } from '../metrics/metric-engine.ts';
import type { HttpRequestMessage, HttpResponseMessage, HttpTimings } from '../runtime/protocol.ts';
import { canonicalHeader } from './canonical-header.ts';
import { mapNetworkError } from './map-network-error.ts';

interface HopResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  body: Buffer | null;
  timings: HttpTimings;
  error: string;
  errorCode: number;
  sent: number;
  received: number;
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Runs every VU's HTTP requests on one undici Agent in the main thread, and emits
 * k6's http_* metrics for each hop. The Agent keeps a keep-alive pool per origin;
 * with one in-flight request per VU it holds about one connection per VU, as k6 does.
 */
export class HttpEngine {
  private readonly agent = new Agent({ keepAliveTimeout: 60_000, keepAliveMaxTimeout: 600_000, pipelining: 1 });
  private readonly m: Record<string, Metric>;

  constructor(private readonly metrics: MetricEngine) {
    const get = (n: string) => metrics.metrics.get(n) as Metric;
    this.m = Object.fromEntries(
      [
        'http_reqs',
        'http_req_duration',
        'http_req_blocked',
        'http_req_connecting',
        'http_req_tls_handshaking',
        'http_req_sending',
        'http_req_waiting',
        'http_req_receiving',
        'http_req_failed',
        'data_sent',
        'data_received',
      ].map((n) => [n, get(n)]),
    );
  }

  async execute(req: HttpRequestMessage): Promise<HttpResponseMessage> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    const deadline = performance.now() + req.timeout;
    for (let hops = 0; ; hops++) {
      const hop = await this.hop(method, url, req.headers, body, req.responseType, deadline);
      this.emit(req, method, url, hop);
      const location = hop.headers.Location;
      if (hop.errorCode === 0 && REDIRECTS.has(hop.status) && location && hops < req.redirects) {
        url = new URL(location, url).href;
        // 303, and 301/302 after a POST, switch to GET without a body, like browsers and Go's client.
        if (hop.status === 303 || ((hop.status === 301 || hop.status === 302) && method === 'POST')) {
          method = 'GET';
          body = null;
        }
        continue;
      }
      return {
        id: req.id,
        status: hop.status,
        statusText: hop.statusText,
        proto: hop.status ? 'HTTP/1.1' : '',
        headers: hop.headers,
        body:
          hop.body === null ? null : req.responseType === 'text' ? hop.body.toString('utf8') : new Uint8Array(hop.body),
        timings: hop.timings,
        error: hop.error,
        errorCode: hop.errorCode,
        url,
        remoteIp: '',
        remotePort: 0,
      };
    }
  }

  private emit(req: HttpRequestMessage, method: string, url: string, hop: HopResult): void {
    const tags: Record<string, string> = { ...req.tags, method, url, status: String(hop.status), proto: 'HTTP/1.1' };
    if (hop.errorCode) tags.error_code = String(hop.errorCode);
    let expected: boolean | undefined;
    if (req.expected) {
      const s = hop.status;
      expected =
        s !== 0 && (req.expected.statuses.includes(s) || req.expected.ranges.some(([a, b]) => s >= a && s <= b));
      tags.expected_response = String(expected);
    }
    const now = Date.now();
    const t = hop.timings;
    const add = (name: string, v: number) => this.metrics.add(this.m[name], v, tags, now);
    add('http_reqs', 1);
    add('http_req_duration', t.duration);
    add('http_req_blocked', t.blocked);
    add('http_req_connecting', t.connecting);
    add('http_req_tls_handshaking', t.tls_handshaking);
    add('http_req_sending', t.sending);
    add('http_req_waiting', t.waiting);
    add('http_req_receiving', t.receiving);
    if (expected !== undefined) add('http_req_failed', expected ? 0 : 1);
    add('data_sent', hop.sent);
    add('data_received', hop.received);
  }

  private hop(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | Uint8Array | null,
    responseType: HttpRequestMessage['responseType'],
    deadline: number,
  ): Promise<HopResult> {
    const t0 = performance.now();
    const timings: HttpTimings = {
      duration: 0,
      blocked: 0,
      connecting: 0,
      tls_handshaking: 0,
      sending: 0,
      waiting: 0,
      receiving: 0,
    };
    const fail = (err: unknown, sent = 0): HopResult => {
      const { code, message } = mapNetworkError(err);
      return {
        status: 0,
        statusText: '',
        headers: {},
        body: null,
        timings,
        error: `${method} "${url}": ${message}`,
        errorCode: code,
        sent,
        received: 0,
      };
    };
    let target: URL;
    try {
      target = new URL(url);
      if (target.protocol !== 'http:' && target.protocol !== 'https:')
        throw Object.assign(new Error(url), { code: 'ERR_INVALID_URL' });
    } catch (e) {
      return Promise.resolve(fail(Object.assign(e as Error, { code: 'ERR_INVALID_URL' })));
    }
    const path = target.pathname + target.search;
    const bodyBytes = body === null ? 0 : typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    let sent = method.length + path.length + 13 + target.host.length + 8 + bodyBytes;
    for (const k in headers) sent += k.length + headers[k].length + 4;

    return new Promise((resolve) => {
      let settled = false;
      let abort: ((err: Error) => void) | undefined;
      let tConnect = t0;
      let tSent = t0;
      let tHeaders = t0;
      let status = 0;
      let statusText = '';
      const resHeaders: Record<string, string> = {};
      const chunks: Buffer[] = [];
      let received = 0;
      const finish = (result: HopResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      // Built only when needed: capturing a stack on every request costs more than the request's bookkeeping.
      const timeoutError = () => Object.assign(new Error('request timeout'), { code: 'UND_ERR_HEADERS_TIMEOUT' });
      const timer = setTimeout(
        () => {
          const err = timeoutError();
          abort?.(err);
          timings.duration = performance.now() - t0;
          finish(fail(err, sent));
        },
        Math.max(0, deadline - t0),
      );
      // onRequestSent is called by undici's h1 client but is missing from its types.
      const handler: Dispatcher.DispatchHandlers & { onRequestSent(): void } = {
        onConnect(abortFn) {
          if (settled) return abortFn(timeoutError());
          abort = abortFn;
          tConnect = tSent = performance.now();
        },
        onRequestSent() {
          tSent = performance.now();
        },
        onHeaders(statusCode, raw, _resume, text) {
          tHeaders = performance.now();
          status = statusCode;
          statusText = `${statusCode} ${text}`;
          received += 17 + text.length;
          for (let i = 0; i < raw.length; i += 2) {
            const k = canonicalHeader(raw[i].toString('latin1'));
            const v = raw[i + 1].toString('latin1');
            received += raw[i].length + raw[i + 1].length + 4;
            resHeaders[k] = resHeaders[k] === undefined ? v : `${resHeaders[k]}, ${v}`;
          }
          return true;
        },
        onData(chunk) {
          received += chunk.length;
          if (responseType !== 'none') chunks.push(chunk);
          return true;
        },
        onComplete() {
          const end = performance.now();
          timings.blocked = tConnect - t0;
          timings.sending = tSent - tConnect;
          timings.waiting = tHeaders - tSent;
          timings.receiving = end - tHeaders;
          timings.duration = timings.sending + timings.waiting + timings.receiving;
          finish({
            status,
            statusText,
            headers: resHeaders,
            body: responseType === 'none' ? null : Buffer.concat(chunks),
            timings,
            error: '',
            // k6 gives HTTP errors a code too: 1000 + status (1404, 1503…).
            errorCode: status >= 400 ? 1000 + status : 0,
            sent,
            received,
          });
        },
        onError(err) {
          timings.duration = performance.now() - t0;
          finish(fail(err, sent));
        },
      };
      this.agent.dispatch(
        { origin: target.origin, path, method: method as Dispatcher.HttpMethod, headers, body: body ?? undefined },
        handler,
      );
    });
  }

  async close(): Promise<void> {
    await this.agent.close();
  }
}
