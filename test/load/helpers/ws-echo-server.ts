import type { IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

export interface WsEchoServer {
  /** ws://127.0.0.1:PORT */
  url: string;
  /** Each handshake's path, headers and negotiated subprotocol. */
  handshakes: { path: string; headers: IncomingHttpHeaders; protocol: string }[];
  /** Every message the server received, text as strings, binary as byte arrays. */
  received: (string | number[])[];
  /** `open PATH` and `close PATH`, in the order the server saw them. */
  log: string[];
  close(): Promise<void>;
}

/**
 * A loopback WebSocket server (npm `ws`) that echoes text and binary messages in kind, answers pings
 * (ws does), closes with 4001 "bye" when told `bye`, and refuses the handshake on /refuse with a 403.
 */
export async function startWsEchoServer(): Promise<WsEchoServer> {
  const handshakes: WsEchoServer['handshakes'] = [];
  const received: WsEchoServer['received'] = [];
  const log: string[] = [];
  const wss = new WebSocketServer({
    host: '127.0.0.1',
    port: 0,
    handleProtocols: (protocols) => (protocols.has('chat') ? 'chat' : false),
    verifyClient: (info, done) => (info.req.url === '/refuse' ? done(false, 403, 'Forbidden') : done(true)),
  });
  await new Promise<void>((resolve) => wss.once('listening', resolve));
  wss.on('connection', (socket, req) => {
    handshakes.push({ path: req.url ?? '', headers: req.headers, protocol: socket.protocol });
    log.push(`open ${req.url}`);
    socket.on('close', () => log.push(`close ${req.url}`));
    socket.on('message', (data, isBinary) => {
      const bytes = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
      received.push(isBinary ? [...bytes] : bytes.toString('utf8'));
      if (!isBinary && bytes.toString('utf8') === 'bye') socket.close(4001, 'bye');
      else socket.send(bytes, { binary: isBinary });
    });
  });
  const { port } = wss.address() as AddressInfo;
  return {
    url: `ws://127.0.0.1:${port}`,
    handshakes,
    received,
    log,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}
