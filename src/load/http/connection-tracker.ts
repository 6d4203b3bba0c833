import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { buildConnector } from 'undici';
import { certCoversHost, k6TlsVersion, type TlsSettings } from './tls-settings.ts';

/** What one request learns about the connection it went out on. */
export interface ConnectionInfo {
  /** TCP connect and TLS handshake times in ms; 0 on a reused connection, as in k6. */
  connecting: number;
  tlsHandshaking: number;
  tlsVersion: string;
  tlsCipherSuite: string;
  remoteIp: string;
  remotePort: number;
}

interface SocketTimes {
  connecting: number;
  tlsHandshaking: number;
  used: boolean;
}

const times = new WeakMap<Socket, SocketTimes>();
let waiting: ((socket: Socket) => void) | undefined;

// undici hands a request's handler no socket. It calls handler.onConnect and then, in the same
// synchronous step (client-h1 writeH1), publishes sendHeaders with the socket, so the handler
// that last asked is the one writing on that socket.
subscribe('undici:client:sendHeaders', (message) => {
  const take = waiting;
  waiting = undefined;
  take?.((message as { socket: Socket }).socket);
});

/** Called from a handler's onConnect: the socket the request is written on goes to take. */
export function onNextSocket(take: (socket: Socket) => void): void {
  waiting = take;
}

/** The connection facts of a request on socket; connect times count only for its first request. */
export function connectionInfo(socket: Socket): ConnectionInfo {
  const t = times.get(socket);
  const fresh = t !== undefined && !t.used;
  if (t) t.used = true;
  const tls = socket as Partial<TLSSocket>;
  return {
    connecting: fresh ? t.connecting : 0,
    tlsHandshaking: fresh ? t.tlsHandshaking : 0,
    tlsVersion: typeof tls.getProtocol === 'function' ? k6TlsVersion(tls.getProtocol()) : '',
    tlsCipherSuite: typeof tls.getCipher === 'function' ? (tls.getCipher()?.standardName ?? '') : '',
    remoteIp: socket.remoteAddress ?? '',
    remotePort: socket.remotePort ?? 0,
  };
}

/** undici's connector, timing TCP connect and TLS handshake of each new socket. */
/**
 * The connector for a test's TLS settings: with client certificates (tlsAuth), each connection presents the
 * certificate whose domains cover its host, else none.
 */
export function tlsConnector(tls: TlsSettings | undefined): buildConnector.connector {
  const { auth, ...base } = tls ?? {};
  const plain = timedConnector(base);
  if (!auth?.length) return plain;
  const certs = auth.map((a) => ({
    domains: a.domains,
    connect: timedConnector({ ...base, cert: a.cert, key: a.key, passphrase: a.passphrase }),
  }));
  return (opts, callback) =>
    (certs.find((c) => certCoversHost(c.domains, opts.hostname))?.connect ?? plain)(opts, callback);
}

export function timedConnector(options: buildConnector.BuildOptions): buildConnector.connector {
  const connect = buildConnector(options);
  return (opts, callback) => {
    const start = performance.now();
    let tcpDone = 0;
    // undici's types say the connector returns nothing; its connector returns the socket.
    const socket = (connect as unknown as (o: typeof opts, cb: buildConnector.Callback) => Socket)(opts, (...args) => {
      const [err, connected] = args;
      if (!err && connected) {
        const end = performance.now();
        const tcp = tcpDone || end;
        times.set(connected, { connecting: tcp - start, tlsHandshaking: end - tcp, used: false });
      }
      callback(...args);
    });
    socket.once('connect', () => {
      tcpDone = performance.now();
    });
    return socket;
  };
}
