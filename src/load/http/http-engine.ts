import type { Socket } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { MetricEngine, type Metric } from '../metrics/metric-engine.ts';
import {
  zeroTimings,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type HttpTimings,
} from '../runtime/protocol.ts';
import { canonicalHeader } from './canonical-header.ts';
import { connectionInfo, onNextSocket, tlsConnector, type ConnectionInfo } from './connection-tracker.ts';
import { CookieJar } from './cookie-jar.ts';
import { digestAuthorization, parseDigestChallenge } from './digest-authorization.ts';
import { goUrlScheme } from './go-url-parse-error.ts';
import { mapNetworkError } from './map-network-error.ts';
import { parseSetCookie, type SetCookie } from './parse-set-cookie.ts';
import { requestCookieHeader } from './request-cookie-header.ts';
import type { TlsSettings } from './tls-settings.ts';
import { BUILTIN_METRICS } from '../metrics/builtin-metrics.ts';
import { maskCredentials, stripCredentials, urlCredentials } from './url-credentials.ts';

interface HopResult {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  setCookie: string[];
  body: Buffer | null;
  timings: HttpTimings;
  error: string;
  errorCode: number;
  errorDetail: string;
  sent: number;
  received: number;
  conn: ConnectionInfo | undefined;
}

/** Where a request's samples go, by metric name. */
export interface HttpSamples {
  add(name: string, value: number, tags: Record<string, string>, time: number): void;
  /** Several samples with the same tags and time (a hop's metrics), when the sink takes them at once. */
  addMany?(names: readonly string[], values: number[], tags: Record<string, string>, time: number): void;
}

/** The metrics of a hop, in the order emit() records them. */
const HOP_METRICS = [
  'http_reqs',
  'http_req_duration',
  'http_req_blocked',
  'http_req_connecting',
  'http_req_tls_handshaking',
  'http_req_sending',
  'http_req_waiting',
  'http_req_receiving',
  'data_sent',
  'data_received',
] as const;
const HOP_METRICS_FAILED = [...HOP_METRICS.slice(0, 8), 'http_req_failed', 'data_sent', 'data_received'] as const;

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/** What a hop needs of its URL. */
interface HopTarget {
  origin: string;
  path: string;
  host: string;
}
/** Distinct URLs whose parse is kept before the cache starts again (a script may hit unique URLs). */
const MAX_TARGETS = 512;

const headerKey = (headers: Record<string, string>, name: string) =>
  Object.keys(headers).find((k) => k.toLowerCase() === name);

function withoutHeaders(headers: Record<string, string>, names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !names.includes(k.toLowerCase())));
}

/** Go forwards credentials on a redirect only to the same host or one of its subdomains. */
function sameOrSubdomain(from: string, to: string): boolean {
  try {
    const a = new URL(from).hostname;
    const b = new URL(to).hostname;
    return a === b || b.endsWith(`.${a}`);
  } catch {
    return false;
  }
}

const parseCookies = (values: string[]) => values.map(parseSetCookie).filter((c): c is SetCookie => c !== null);

/**
 * Runs every VU's HTTP requests on undici Agents in the main thread (one per TLS configuration),
 * follows redirects, applies the request's cookie jar between hops, answers digest challenges,
 * and emits k6's http_* metrics for each hop. An Agent keeps a keep-alive pool per origin; with
 * one in-flight request per VU it holds about one connection per VU, as k6 does.
 */
export class HttpEngine {
  private readonly agents = new Map<string, Agent>();
  private readonly record: HttpSamples;
  /** Parsed URLs by their text: VUs usually request the same few URLs, and `new URL()` on every hop showed in the profile. */
  private readonly targets = new Map<string, HopTarget>();

  /**
   * Samples go to the run's MetricEngine (main thread), or to any HttpSamples: a thread of shared
   * VUs runs its own engine and ships its samples with the VUs' (runtime/shared-vu-worker.ts).
   */
  constructor(metrics: MetricEngine | HttpSamples) {
    if (metrics instanceof MetricEngine) {
      const get = (n: string) => metrics.metrics.get(n) as Metric;
      // Every built-in metric a request records: the http_req_* family and the data counters.
      const m: Record<string, Metric> = Object.fromEntries(
        BUILTIN_METRICS.filter(([n]) => n.startsWith('http_req') || n.startsWith('data_')).map(([n]) => [n, get(n)]),
      );
      this.record = { add: (name, v, tags, time) => metrics.add(m[name], v, tags, time) };
    } else {
      this.record = metrics;
    }
  }

  private agent(tls: TlsSettings | undefined): Agent {
    const key = tls ? JSON.stringify(tls) : '';
    let agent = this.agents.get(key);
    if (!agent) {
      agent = new Agent({
        keepAliveTimeout: 60_000,
        keepAliveMaxTimeout: 600_000,
        pipelining: 1,
        connect: tlsConnector(tls),
      });
      this.agents.set(key, agent);
    }
    return agent;
  }

  async execute(req: HttpRequestMessage): Promise<HttpResponseMessage> {
    let url = req.url;
    let method = req.method;
    let body = req.body;
    let headers = req.headers;
    const agent = this.agent(req.tls);
    const deadline = performance.now() + req.timeout;
    // Built on the first redirect: most requests are never redirected and need no jar.
    let jar: CookieJar | undefined;
    const redirectJar = () => (req.jar ? (jar ??= new CookieJar(req.jar)) : undefined);
    const setCookies: [string, string[], boolean][] = [];
    const digest = req.auth === 'digest';
    for (let hops = 0; ; hops++) {
      const creds = urlCredentials(url);
      let hopHeaders = headers;
      // Go's client turns URL credentials into Basic auth unless the request has its own Authorization.
      if (creds && !digest && !headerKey(headers, 'authorization')) {
        const basic = Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
        hopHeaders = { ...headers, Authorization: `Basic ${basic}` };
      }
      let hop = await this.hop(agent, method, url, hopHeaders, body, req.responseType, deadline);
      if (digest && creds && hop.status === 401) {
        const challenge = parseDigestChallenge(hop.headers['Www-Authenticate'] ?? '');
        if (challenge) {
          // k6 counts the challenge as an expected response: only the answer can fail the request.
          this.emit(req, method, url, hop, true);
          const target = new URL(url);
          const authorization = digestAuthorization(challenge, {
            method,
            uri: target.pathname + target.search,
            username: creds.username,
            password: creds.password,
            body,
          });
          hop = await this.hop(
            agent,
            method,
            url,
            { ...headers, Authorization: authorization },
            body,
            req.responseType,
            deadline,
          );
        }
      }
      this.emit(req, method, url, hop);
      const location = hop.headers.Location;
      let next: string | undefined;
      if (hop.errorCode === 0 && REDIRECTS.has(hop.status) && location !== undefined && hops < req.redirects) {
        try {
          next = new URL(location, url).href;
        } catch {
          next = undefined;
        }
      }
      if (hop.setCookie.length) setCookies.push([stripCredentials(url), hop.setCookie, next === undefined]);
      if (next !== undefined) {
        if (hop.setCookie.length) redirectJar()?.setCookies(url, parseCookies(hop.setCookie));
        // 301/302/303 turn anything but GET and HEAD into a body-less GET, as Go's client does.
        if ([301, 302, 303].includes(hop.status) && method !== 'GET' && method !== 'HEAD') {
          method = 'GET';
          body = null;
          headers = withoutHeaders(headers, ['content-type', 'content-length']);
        }
        if (!sameOrSubdomain(req.url, next)) headers = withoutHeaders(headers, ['authorization', 'cookie']);
        // As k6 does on every redirect: the Cookie header is rebuilt from the jar and params.cookies.
        if (req.jar || req.cookies) {
          headers = withoutHeaders(headers, ['cookie']);
          const cookie = requestCookieHeader(undefined, redirectJar(), next, req.cookies ?? []);
          if (cookie) headers = { ...headers, Cookie: cookie };
        }
        url = next;
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
        // k6 reports a digest request's URL without the credentials it took from it.
        url: digest ? stripCredentials(url) : url,
        remoteIp: hop.conn?.remoteIp ?? '',
        remotePort: hop.conn?.remotePort ?? 0,
        setCookies: setCookies.length ? setCookies : undefined,
        tlsVersion: hop.conn?.tlsVersion,
        tlsCipherSuite: hop.conn?.tlsCipherSuite,
        errorDetail: hop.errorDetail || undefined,
        // Go's client asks CheckRedirect only about a redirect it would follow (lib/netext/httpext/request.go).
        redirectsStopped:
          hop.errorCode === 0 && REDIRECTS.has(hop.status) && location !== undefined && req.warnRedirects
            ? hops + 1
            : undefined,
      };
    }
  }

  private emit(req: HttpRequestMessage, method: string, url: string, hop: HopResult, expectedChallenge = false): void {
    // k6 ≥ 0.41: without a name tag, name and url are the hop's URL (credentials masked); a name
    // set by the script or by http.url`` is used for the url tag too.
    const name = req.tags.name ?? maskCredentials(url);
    // A copy per hop (its samples keep it); a for-in copy stays fast where a spread of tag objects of
    // many shapes goes megamorphic (it was the engine's largest self time under shared VUs).
    const tags: Record<string, string> = {};
    for (const k in req.tags) tags[k] = req.tags[k];
    tags.name = name;
    tags.method = method;
    tags.url = name;
    tags.status = String(hop.status);
    tags.proto = 'HTTP/1.1';
    if (hop.errorCode) tags.error_code = String(hop.errorCode);
    if (hop.status === 0 && hop.error) tags.error = hop.error;
    if (hop.conn?.tlsVersion) tags.tls_version = hop.conn.tlsVersion;
    let expected: boolean | undefined;
    if (req.expected) {
      const s = hop.status;
      expected =
        expectedChallenge ||
        (s !== 0 && (req.expected.statuses.includes(s) || req.expected.ranges.some(([a, b]) => s >= a && s <= b)));
      tags.expected_response = String(expected);
    }
    const now = Date.now();
    const t = hop.timings;
    const values =
      expected === undefined
        ? [
            1,
            t.duration,
            t.blocked,
            t.connecting,
            t.tls_handshaking,
            t.sending,
            t.waiting,
            t.receiving,
            hop.sent,
            hop.received,
          ]
        : [
            1,
            t.duration,
            t.blocked,
            t.connecting,
            t.tls_handshaking,
            t.sending,
            t.waiting,
            t.receiving,
            expected ? 0 : 1,
            hop.sent,
            hop.received,
          ];
    const names = expected === undefined ? HOP_METRICS : HOP_METRICS_FAILED;
    if (this.record.addMany) {
      this.record.addMany(names, values, tags, now);
      return;
    }
    for (let i = 0; i < names.length; i++) this.record.add(names[i], values[i], tags, now);
  }

  private hop(
    agent: Agent,
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | Uint8Array | null,
    responseType: HttpRequestMessage['responseType'],
    deadline: number,
  ): Promise<HopResult> {
    const t0 = performance.now();
    const timings: HttpTimings = zeroTimings();
    let conn: ConnectionInfo | undefined;
    const fail = (err: unknown, sent = 0): HopResult => {
      const { code, message, detail } = mapNetworkError(err);
      return {
        status: 0,
        statusText: '',
        headers: {},
        setCookie: [],
        body: null,
        timings,
        error: message,
        errorCode: code,
        errorDetail: `${method} "${maskCredentials(url)}": ${detail}`,
        sent,
        received: 0,
        conn,
      };
    };
    let target = this.targets.get(url);
    if (target === undefined) {
      // The VU refused what Go's url.Parse refuses (invalid URL, 1020, nothing sent or recorded). A URL Go takes
      // fails here as in Go's Transport, recorded: a scheme other than http(s), none included (a relative URL),
      // is error 1000 `unsupported protocol scheme "ftp"`; one WHATWG's parser refuses (port 99999) stays 1020.
      const scheme = goUrlScheme(url);
      if (scheme !== 'http' && scheme !== 'https')
        return Promise.resolve(
          fail(Object.assign(new Error(`unsupported protocol scheme "${scheme}"`), { code: 'ERR_UNSUPPORTED_SCHEME' })),
        );
      try {
        const u = new URL(url);
        target = { origin: u.origin, path: u.pathname + u.search, host: u.host };
      } catch (e) {
        return Promise.resolve(fail(Object.assign(e as Error, { code: 'ERR_INVALID_URL' })));
      }
      if (this.targets.size >= MAX_TARGETS) this.targets.clear();
      this.targets.set(url, target);
    }
    const path = target.path;
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
      const setCookie: string[] = [];
      const chunks: Buffer[] = [];
      let received = 0;
      const finish = (result: HopResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const useConnection = (info: ConnectionInfo) => {
        conn = info;
        timings.connecting = info.connecting;
        timings.tls_handshaking = info.tlsHandshaking;
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
          onNextSocket((socket: Socket) => useConnection(connectionInfo(socket)));
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
            if (k === 'Set-Cookie') setCookie.push(v);
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
          const result: HopResult = {
            status,
            statusText,
            headers: resHeaders,
            setCookie,
            body: responseType === 'none' ? null : Buffer.concat(chunks),
            timings,
            error: '',
            // k6 gives HTTP errors a code too: 1000 + status (1404, 1503…).
            errorCode: status >= 400 ? 1000 + status : 0,
            errorDetail: '',
            sent,
            received,
            conn,
          };
          // undici frees the connection for the next request on a setImmediate scheduled right after this
          // callback (client-h1, pipelining 1). A VU that sends its next request at once must find it free,
          // as k6's VU reuses its connection: the result is handed over after that setImmediate.
          queueMicrotask(() => setImmediate(() => finish(result)));
        },
        onError(err) {
          timings.duration = performance.now() - t0;
          finish(fail(err, sent));
        },
      };
      agent.dispatch(
        // The method goes out as the script wrote it (`get` too), as Go's client sends it; none means GET.
        {
          origin: target.origin,
          path,
          method: (method || 'GET') as Dispatcher.HttpMethod,
          headers,
          body: body ?? undefined,
        },
        handler,
      );
    });
  }

  async close(): Promise<void> {
    await Promise.all([...this.agents.values()].map((a) => a.close()));
  }
}
