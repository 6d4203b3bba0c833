import { WebSocket as NodeWebSocket, type RawData } from 'ws';
import type { Tags } from './protocol.ts';
import type { VuState } from './vu-state.ts';
import { toWsPayload } from './to-ws-payload.ts';
import { withUserAgent } from './user-agent.ts';
import { wsSessionTags } from './ws-session-tags.ts';

type Listener = (event: Record<string, unknown>) => unknown;
const EVENTS = ['open', 'message', 'error', 'close', 'ping', 'pong'] as const;
type EventName = (typeof EVENTS)[number];

interface Params {
  headers?: Record<string, string>;
  tags?: Record<string, unknown>;
  compression?: string;
}

/**
 * The `k6/experimental/websockets` (and `k6/websockets`) module: the browser-like WebSocket of
 * https://grafana.com/docs/k6/latest/javascript-api/k6-websockets/websocket/ on npm's `ws`.
 * An open socket holds the iteration, as k6's event loop does: the iteration ends once every
 * socket it opened has closed.
 */
export function createK6Websockets(state: VuState) {
  class WebSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly url: string;
    readonly protocol: string = '';
    binaryType: 'blob' | 'arraybuffer' = 'blob';
    onopen: Listener | null = null;
    onmessage: Listener | null = null;
    onerror: Listener | null = null;
    onclose: Listener | null = null;
    onping: Listener | null = null;
    onpong: Listener | null = null;
    private readonly listeners = new Map<EventName, Listener[]>();
    private readonly socket: NodeWebSocket;
    private readonly tags: Tags;
    private readonly release: () => void;
    private readonly pings: number[] = [];
    private opened = 0;
    private abandoned = false;

    constructor(url: string, protocols?: string | string[] | null, params: Params = {}) {
      if (state.inInit) throw new Error('WebSocket can only be created in a VU context, not in the init context');
      this.url = String(url);
      this.tags = wsSessionTags(state, this.url, params.tags);
      const release = state.loop?.hold() ?? (() => {});
      // An iteration that ends early (interrupt, uncaught error) takes its socket with it, silently.
      const forget =
        state.loop?.onReset(() => {
          this.abandoned = true;
          this.socket.terminate();
        }) ?? (() => false);
      this.release = () => {
        forget();
        release();
      };
      const start = performance.now();
      this.socket = new NodeWebSocket(this.url, protocols ?? undefined, {
        headers: withUserAgent(state.options, params.headers),
        perMessageDeflate: params.compression === 'deflate',
      });
      this.socket.on('upgrade', (res) => {
        this.tags.status = String(res.statusCode ?? 101);
      });
      this.socket.on('open', () => {
        this.opened = performance.now();
        (this as { protocol: string }).protocol = this.socket.protocol;
        if (this.socket.protocol) this.tags.subproto = this.socket.protocol;
        state.sample('ws_connecting', this.opened - start, this.tags);
        state.sample('ws_sessions', 1, this.tags);
        this.dispatch('open', {});
      });
      this.socket.on('message', (data: RawData, isBinary: boolean) => {
        const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
        state.sample('ws_msgs_received', 1, this.tags);
        state.sample('data_received', bytes.length, this.tags);
        let payload: unknown = bytes.toString('utf8');
        if (isBinary) {
          const ab = new Uint8Array(bytes).buffer;
          payload = this.binaryType === 'arraybuffer' ? ab : new Blob([ab]);
        }
        this.dispatch('message', { data: payload, origin: this.url });
      });
      this.socket.on('ping', () => this.dispatch('ping', {}));
      this.socket.on('pong', () => {
        const sent = this.pings.shift();
        if (sent !== undefined) state.sample('ws_ping', performance.now() - sent, this.tags);
        this.dispatch('pong', {});
      });
      this.socket.on('error', (e: Error) => {
        this.tags.status ??= '0';
        this.dispatch('error', { error: e.message, message: e.message });
      });
      this.socket.on('close', (code: number, reason: Buffer) => {
        if (this.opened) state.sample('ws_session_duration', performance.now() - this.opened, this.tags);
        this.dispatch('close', { code, reason: reason.toString('utf8'), wasClean: code !== 1006 });
        this.release();
      });
    }

    get readyState(): number {
      return this.socket.readyState;
    }

    get bufferedAmount(): number {
      return this.socket.bufferedAmount;
    }

    send(data: unknown): void {
      if (this.socket.readyState !== NodeWebSocket.OPEN) throw new Error('InvalidStateError: the socket is not open');
      const { payload, bytes, binary } = toWsPayload(data);
      this.socket.send(payload, { binary });
      state.sample('ws_msgs_sent', 1, this.tags);
      state.sample('data_sent', bytes, this.tags);
    }

    ping(): void {
      if (this.socket.readyState !== NodeWebSocket.OPEN) return;
      this.pings.push(performance.now());
      this.socket.ping();
    }

    close(code?: number, reason?: string): void {
      if (this.socket.readyState === NodeWebSocket.CLOSED) return;
      // Closing before the handshake ends is an abort in ws (it throws from close()).
      if (this.socket.readyState === NodeWebSocket.CONNECTING) this.socket.terminate();
      else this.socket.close(code ?? 1000, reason);
    }

    addEventListener(event: string, listener: Listener): void {
      if (!(EVENTS as readonly string[]).includes(event)) throw new Error(`unknown WebSocket event "${event}"`);
      if (typeof listener !== 'function') throw new TypeError('addEventListener needs a function');
      const list = this.listeners.get(event as EventName) ?? [];
      list.push(listener);
      this.listeners.set(event as EventName, list);
    }

    removeEventListener(event: string, listener: Listener): void {
      const list = this.listeners.get(event as EventName);
      if (list)
        this.listeners.set(
          event as EventName,
          list.filter((l) => l !== listener),
        );
    }

    private dispatch(type: EventName, fields: Record<string, unknown>): void {
      if (this.abandoned) return;
      const event = { type, target: this, timestamp: Date.now(), ...fields };
      const handlers = [this[`on${type}`], ...(this.listeners.get(type) ?? [])];
      for (const handler of handlers) {
        if (typeof handler !== 'function') continue;
        try {
          const r = handler.call(this, event);
          if (r instanceof Promise) r.catch((e: unknown) => state.loop?.fail(e));
        } catch (e) {
          // An exception in a handler ends the iteration with it, as in k6; the socket goes with it.
          this.socket.terminate();
          state.loop?.fail(e);
        }
      }
    }
  }
  return { WebSocket, Blob };
}
