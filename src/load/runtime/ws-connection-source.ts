/**
 * The code of the thread that owns one k6/ws connection (runtime/k6-ws.ts). k6's `ws.connect()` blocks the
 * VU until the socket closes while its handlers and socket timers run, so the socket lives in a thread of
 * its own: it posts each event on `port` and bumps `signal`, and the VU sleeps on `signal` (Atomics.wait)
 * and reads the events synchronously (receiveMessageOnPort). Plain CommonJS, for `new Worker(…, { eval: true })`;
 * `ws` is required from the path the VU resolved, since an eval'd worker resolves from the cwd.
 */
export const WS_CONNECTION_SOURCE = `
const { workerData } = require('node:worker_threads');
const WebSocket = require(workerData.wsPath);
const { port, url, protocols, headers, compression } = workerData;
const signal = new Int32Array(workerData.signal);
const post = (m, transfer) => {
  port.postMessage(m, transfer);
  Atomics.add(signal, 0, 1);
  Atomics.notify(signal, 0);
};
const start = performance.now();
const ws = new WebSocket(url, protocols, { headers, perMessageDeflate: compression === 'deflate' });
let pingSent = [];
ws.on('upgrade', (res) => post({ t: 'upgrade', status: res.statusCode, statusText: res.statusMessage, headers: res.headers }));
ws.on('unexpected-response', (req, res) => {
  post({ t: 'upgrade', status: res.statusCode, statusText: res.statusMessage, headers: res.headers });
  post({ t: 'error', message: 'websocket: bad handshake' });
  post({ t: 'close', code: 1006, reason: '', opened: false });
  req.destroy();
});
ws.on('open', () => post({ t: 'open', ms: performance.now() - start, protocol: ws.protocol }));
ws.on('message', (data, isBinary) => {
  const b = Buffer.isBuffer(data) ? data : Buffer.concat(Array.isArray(data) ? data : [Buffer.from(data)]);
  const copy = new Uint8Array(b);
  post({ t: 'message', data: copy, binary: isBinary }, [copy.buffer]);
});
ws.on('ping', () => post({ t: 'ping' }));
ws.on('pong', () => post({ t: 'pong', ms: pingSent.length ? performance.now() - pingSent.shift() : undefined }));
ws.on('error', (e) => post({ t: 'error', message: e.message }));
ws.on('close', (code, reason) => {
  post({ t: 'close', code, reason: reason.toString('utf8'), opened: true });
  port.close();
});
port.on('message', (cmd) => {
  if (cmd.t === 'send') {
    if (ws.readyState === WebSocket.OPEN) ws.send(cmd.binary ? Buffer.from(cmd.data) : cmd.data, { binary: cmd.binary });
  } else if (cmd.t === 'ping') {
    if (ws.readyState === WebSocket.OPEN) { pingSent.push(performance.now()); ws.ping(); }
  } else if (cmd.t === 'close') {
    if (ws.readyState === WebSocket.CONNECTING || cmd.terminate) ws.terminate();
    else if (ws.readyState === WebSocket.OPEN) ws.close(cmd.code);
  }
});
`;
