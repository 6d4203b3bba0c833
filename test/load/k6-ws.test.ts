import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';
import { startWsEchoServer, type WsEchoServer } from './helpers/ws-echo-server.ts';

// https://grafana.com/docs/k6/latest/javascript-api/k6-ws/connect/ and
// https://grafana.com/docs/k6/latest/javascript-api/k6-ws/socket/ (on, send, sendBinary, ping, setTimeout,
// setInterval, close): connect() returns only once the socket has closed.
describe('k6/ws (legacy) against a WebSocket server on loopback', () => {
  let server: WsEchoServer;
  before(async () => {
    server = await startWsEchoServer();
  });
  after(() => server.close());

  it('runs the socket handlers and timers inside connect(), then returns the 101 response', async () => {
    const run = await runScript(
      `
import ws from 'k6/ws';
import { check } from 'k6';
export const options = { iterations: 1 };
export default function () {
  const events = [];
  let ticks = 0;
  let closeCode = 0;
  const res = ws.connect(__ENV.WS_URL + '/echo', { headers: { 'X-Tenant': 't-legacy' }, tags: { tenant: 't-legacy' } }, (socket) => {
    events.push('callback');
    socket.on('open', () => {
      events.push('open');
      socket.send('hello');
      socket.sendBinary(new Uint8Array([7, 8]).buffer);
      socket.ping();
    });
    socket.on('message', (m) => events.push('text:' + m));
    socket.on('binaryMessage', (b) => events.push('binary:' + Array.from(new Uint8Array(b)).join(',')));
    socket.on('pong', () => events.push('pong'));
    const id = socket.setInterval(() => {
      ticks++;
      if (ticks === 2) { socket.clearInterval(id); socket.send('bye'); }
    }, 40);
    socket.on('close', (code) => { closeCode = code; });
    socket.setTimeout(() => socket.close(), 5000);
  });
  check(res, {
    'status 101': (r) => r.status === 101 && r.headers['Sec-Websocket-Accept'] !== undefined,
    'handlers ran before connect() returned': () => events.join(' ') === 'callback open text:hello binary:7,8 pong',
    'the interval ran twice and the server closed': () => ticks === 2 && closeCode === 4001,
  });
}
`,
      { WS_URL: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      Object.entries(run.checks).map(([name, c]) => [name, c.passes, c.fails]),
      [
        ['status 101', 1, 0],
        ['handlers ran before connect() returned', 1, 0],
        ['the interval ran twice and the server closed', 1, 0],
      ],
    );
    assert.equal(server.handshakes.at(-1)?.headers['x-tenant'], 't-legacy');
    assert.deepEqual(server.received.slice(-3), ['hello', [7, 8], 'bye']);
    assert.equal(run.metrics.ws_sessions?.count, 1);
    assert.equal(run.metrics.ws_msgs_sent?.count, 3);
    assert.equal(run.metrics.ws_msgs_received?.count, 2);
    for (const name of ['ws_connecting', 'ws_session_duration', 'ws_ping']) {
      assert.ok(run.metrics[name]?.max > 0, `${name}: ${JSON.stringify(run.metrics[name])}`);
    }
    assert.ok(run.metrics.ws_session_duration.max >= 80, JSON.stringify(run.metrics.ws_session_duration));
  });

  it('returns the refused handshake with its status and an error, without calling the callback', async () => {
    const run = await runScript(
      `
import ws from 'k6/ws';
import { check } from 'k6';
export const options = { iterations: 1 };
export default function () {
  let called = false;
  const res = ws.connect(__ENV.WS_URL + '/refuse', () => { called = true; });
  check(res, { 'refused: 403, an error, no callback': (r) => r.status === 403 && r.error !== '' && !called });
  const none = ws.connect('ws://127.0.0.1:1/nothing', () => { called = true; });
  check(none, { 'nothing listening: status 0 and an error': (r) => r.status === 0 && r.error !== '' && !called });
}
`,
      { WS_URL: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.failed, [], run.stderr);
    assert.equal(Object.keys(run.checks).length, 2);
    assert.match(run.stderr, /Attempt to establish a WebSocket connection failed/);
  });
});
