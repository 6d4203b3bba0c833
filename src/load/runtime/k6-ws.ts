import { createRequire } from 'node:module';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { Tags } from './protocol.ts';
import { InterruptSignal } from './signals.ts';
import { toWsPayload } from './to-ws-payload.ts';
import type { VuState } from './vu-state.ts';
import { WS_CONNECTION_SOURCE } from './ws-connection-source.ts';
import { withUserAgent } from './user-agent.ts';
import { wsSessionTags } from './ws-session-tags.ts';

type Handler = (...args: unknown[]) => unknown;

type WsEvent =
  | { t: 'upgrade'; status: number; statusText?: string; headers: Record<string, string | string[]> }
  | { t: 'open'; ms: number; protocol: string }
  | { t: 'message'; data: Uint8Array; binary: boolean }
  | { t: 'ping' }
  | { t: 'pong'; ms?: number }
  | { t: 'error'; message: string }
  | { t: 'close'; code: number; reason: string; opened: boolean };

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, unknown>;
  compression?: string;
}

/** k6's response of ws.connect(): https://grafana.com/docs/k6/latest/javascript-api/k6-ws/connect/ */
interface WsResponse {
  url: string;
  status: number;
  status_text: string;
  headers: Record<string, string>;
  body: string;
  error: string;
}

/** Response headers with k6's canonical names (Sec-Websocket-Accept), repeated values joined. */
function canonicalHeaders(raw: Record<string, string | string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    const name = k.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
    out[name] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

/**
 * The legacy `k6/ws` module (https://grafana.com/docs/k6/latest/javascript-api/k6-ws/). `connect()` is
 * synchronous in k6: it runs the socket's handlers and its setTimeout/setInterval callbacks until the socket
 * closes, then returns the handshake's response. The socket runs in a thread of its own (ws-connection-source.ts)
 * while this VU waits for its events.
 */
export function createK6Ws(state: VuState) {
  const wsPath = createRequire(import.meta.url).resolve('ws');

  function connect(url: string, paramsOrCallback?: Params | Handler, maybeCallback?: Handler): WsResponse {
    if (state.inInit) throw new Error('ws.connect() can only be called in a VU context, not in the init context');
    const params: Params = typeof paramsOrCallback === 'function' ? {} : (paramsOrCallback ?? {});
    const callback = typeof paramsOrCallback === 'function' ? paramsOrCallback : maybeCallback;
    const tags: Tags = wsSessionTags(state, String(url), params.tags);
    const response: WsResponse = { url: String(url), status: 0, status_text: '', headers: {}, body: '', error: '' };
    const handlers = new Map<string, Handler[]>();
    const timers = new Map<number, { at: number; every?: number; fn: Handler }>();
    let nextTimer = 1;
    const signal = new Int32Array(new SharedArrayBuffer(4));
    const { port1, port2 } = new MessageChannel();
    const worker = new Worker(WS_CONNECTION_SOURCE, {
      eval: true,
      workerData: {
        wsPath,
        port: port2,
        signal: signal.buffer,
        url: String(url),
        headers: withUserAgent(state.options, params.headers),
        compression: params.compression,
      },
      transferList: [port2],
    });
    let open = false;
    let closed = false;
    let openedAt = 0;
    const command = (cmd: Record<string, unknown>): void => port1.postMessage(cmd);

    const socket = {
      on(event: string, fn: Handler): void {
        if (typeof fn !== 'function') throw new TypeError('socket.on() needs a function');
        handlers.set(event, [...(handlers.get(event) ?? []), fn]);
      },
      send(data: unknown): void {
        if (!open || closed) return;
        const { payload, bytes, binary } = toWsPayload(typeof data === 'string' ? data : String(data));
        command({ t: 'send', data: payload, binary });
        state.sample('ws_msgs_sent', 1, tags);
        state.sample('data_sent', bytes, tags);
      },
      sendBinary(data: ArrayBuffer): void {
        if (!(data instanceof ArrayBuffer)) throw new TypeError('socket.sendBinary() needs an ArrayBuffer');
        if (!open || closed) return;
        command({ t: 'send', data: new Uint8Array(data.slice(0)), binary: true });
        state.sample('ws_msgs_sent', 1, tags);
        state.sample('data_sent', data.byteLength, tags);
      },
      ping(): void {
        if (open && !closed) command({ t: 'ping' });
      },
      close(code?: number): void {
        if (!closed) command({ t: 'close', code: code ?? 1000 });
      },
      setTimeout(fn: Handler, ms: number): number {
        const id = nextTimer++;
        timers.set(id, { at: performance.now() + Math.max(0, Number(ms) || 0), fn });
        return id;
      },
      setInterval(fn: Handler, ms: number): number {
        const every = Math.max(1, Number(ms) || 0);
        const id = nextTimer++;
        timers.set(id, { at: performance.now() + every, every, fn });
        return id;
      },
      clearTimeout(id: number): void {
        timers.delete(id);
      },
      clearInterval(id: number): void {
        timers.delete(id);
      },
    };

    const emit = (event: string, ...args: unknown[]): void => {
      for (const fn of handlers.get(event) ?? []) fn.apply(socket, args);
    };

    const handle = (e: WsEvent): void => {
      switch (e.t) {
        case 'upgrade':
          response.status = e.status;
          response.status_text = `${e.status} ${e.statusText ?? ''}`.trim();
          response.headers = canonicalHeaders(e.headers);
          tags.status = String(e.status);
          return;
        case 'open':
          open = true;
          openedAt = performance.now();
          if (e.protocol) tags.subproto = e.protocol;
          state.sample('ws_connecting', e.ms, tags);
          state.sample('ws_sessions', 1, tags);
          // As in k6, the callback runs once the handshake succeeded, to set handlers before 'open' fires.
          callback?.(socket);
          emit('open');
          return;
        case 'message': {
          state.sample('ws_msgs_received', 1, tags);
          state.sample('data_received', e.data.byteLength, tags);
          if (e.binary)
            emit('binaryMessage', e.data.buffer.slice(e.data.byteOffset, e.data.byteOffset + e.data.byteLength));
          else emit('message', Buffer.from(e.data).toString('utf8'));
          return;
        }
        case 'ping':
          emit('ping');
          return;
        case 'pong':
          if (e.ms !== undefined) state.sample('ws_ping', e.ms, tags);
          emit('pong');
          return;
        case 'error':
          response.error ||= e.message;
          // k6 passes an error object whose error() returns the message.
          if (open) emit('error', { error: () => e.message });
          return;
        case 'close':
          closed = true;
          if (e.opened && open) {
            state.sample('ws_session_duration', performance.now() - openedAt, tags);
            emit('close', e.code);
          }
          return;
      }
    };

    try {
      for (;;) {
        const seen = Atomics.load(signal, 0);
        for (let m = receiveMessageOnPort(port1); m && !closed; m = receiveMessageOnPort(port1)) {
          handle(m.message as WsEvent);
        }
        if (closed) break;
        if (state.interrupted()) throw new InterruptSignal();
        const now = performance.now();
        let next = Infinity;
        for (const [id, t] of [...timers]) {
          if (!timers.has(id)) continue;
          if (t.at <= now) {
            if (t.every) t.at = now + t.every;
            else timers.delete(id);
            t.fn.call(socket);
          }
          const still = timers.get(id);
          if (still) next = Math.min(next, still.at);
        }
        state.flushIfDue();
        // Short waits keep an interrupt (gracefulStop, abort) from waiting on a silent socket.
        Atomics.wait(signal, 0, seen, Math.max(0, Math.min(next - performance.now(), 100)));
      }
    } finally {
      if (!closed) command({ t: 'close', terminate: true });
      port1.close();
      void worker.terminate();
    }
    if (response.status !== 101) {
      response.error ||= 'websocket: bad handshake';
      state.post({
        t: 'log',
        level: 'warn',
        message: 'Attempt to establish a WebSocket connection failed',
        fields: { error: response.error },
      });
    }
    return response;
  }

  return { connect };
}
