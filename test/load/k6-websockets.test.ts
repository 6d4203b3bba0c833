import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';
import { startWsEchoServer, type WsEchoServer } from './helpers/ws-echo-server.ts';

// https://grafana.com/docs/k6/latest/javascript-api/k6-websockets/ (WebSocket, its events, ping, binaryType) and
// the ws_* metrics of https://grafana.com/docs/k6/latest/using-k6/metrics/reference/#websockets
describe('k6/experimental/websockets against a WebSocket server on loopback', () => {
  let server: WsEchoServer;
  before(async () => {
    server = await startWsEchoServer();
  });
  after(() => server.close());

  it('opens with a subprotocol and headers, echoes text and binary, pings, and the iteration waits for the close', async () => {
    const run = await runScript(
      `
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
export const options = { iterations: 1 };
export default function () {
  const events = [];
  const ws = new WebSocket(__ENV.WS_URL + '/echo', 'chat', { headers: { 'X-Tenant': 't-ws' }, tags: { tenant: 't-ws' } });
  ws.binaryType = 'arraybuffer';
  ws.onopen = () => {
    events.push('open:' + ws.protocol);
    ws.send('hello');
    ws.send(new Uint8Array([1, 2, 3]).buffer);
    ws.ping();
  };
  ws.addEventListener('message', (e) => {
    events.push(typeof e.data === 'string' ? 'text:' + e.data : 'binary:' + Array.from(new Uint8Array(e.data)).join(','));
  });
  ws.onpong = () => {
    events.push('pong');
    // A timer after the pong: the iteration must wait for it and for the close it sends.
    setTimeout(() => ws.send('bye'), 50);
  };
  ws.onclose = (e) => {
    check(events, {
      'events in order': (ev) => ev.join(' ') === 'open:chat text:hello binary:1,2,3 pong',
      'closed by the server with its code': () => e.code === 4001 && ws.readyState === WebSocket.CLOSED,
    });
  };
}
`,
      { WS_URL: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      Object.entries(run.checks).map(([name, c]) => [name, c.passes, c.fails]),
      [
        ['events in order', 1, 0],
        ['closed by the server with its code', 1, 0],
      ],
    );
    const hs = server.handshakes.at(-1);
    assert.equal(hs?.headers['x-tenant'], 't-ws');
    assert.equal(hs?.protocol, 'chat');
    assert.deepEqual(server.received.slice(-3), ['hello', [1, 2, 3], 'bye']);
    assert.equal(run.metrics.ws_sessions?.count, 1);
    assert.equal(run.metrics.ws_msgs_sent?.count, 3);
    assert.equal(run.metrics.ws_msgs_received?.count, 2);
    for (const name of ['ws_connecting', 'ws_session_duration', 'ws_ping']) {
      assert.ok(run.metrics[name]?.max > 0, `${name}: ${JSON.stringify(run.metrics[name])}`);
    }
    // The session lasted past the 50 ms timer.
    assert.ok(run.metrics.ws_session_duration.max >= 50, JSON.stringify(run.metrics.ws_session_duration));
  });

  it('fires error then close on a refused handshake, and a Blob by default for binary messages', async () => {
    const run = await runScript(
      `
import { WebSocket } from 'k6/experimental/websockets';
import { check } from 'k6';
export const options = { iterations: 1 };
export default async function () {
  const refused = await new Promise((resolve) => {
    const seen = [];
    const ws = new WebSocket(__ENV.WS_URL + '/refuse');
    ws.onerror = () => seen.push('error');
    ws.onclose = () => { seen.push('close'); resolve(seen.join(' ')); };
  });
  const blobText = await new Promise((resolve) => {
    const ws = new WebSocket(__ENV.WS_URL + '/echo');
    ws.onopen = () => ws.send(new TextEncoder().encode('bytes'));
    ws.onmessage = async (e) => { const t = e.data instanceof Blob ? await e.data.text() : 'not a Blob'; ws.close(); resolve(t); };
  });
  check(null, { 'refused: error then close': () => refused === 'error close', 'binary arrives as a Blob': () => blobText === 'bytes' });
}
`,
      { WS_URL: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.failed, [], run.stderr);
    assert.equal(Object.keys(run.checks).length, 2);
    assert.equal(run.metrics.ws_sessions?.count, 1);
  });

  it('closes the socket of an iteration that ended with an uncaught error before the next one ends', async () => {
    const run = await runScript(
      `
import { WebSocket } from 'k6/experimental/websockets';
export const options = { iterations: 2 };
export default function () {
  const ws = new WebSocket(__ENV.WS_URL + '/echo?i=' + __ITER);
  if (__ITER === 0) {
    ws.onclose = () => console.error('a handler of the failed iteration ran');
    setTimeout(() => { throw new Error('timer broke'); }, 100);
  } else {
    ws.onopen = () => setTimeout(() => ws.send('bye'), 300);
  }
}
`,
      { WS_URL: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /timer broke/);
    assert.doesNotMatch(run.stderr, /a handler of the failed iteration ran/);
    const log = server.log.filter((l) => l.includes('?i='));
    assert.deepEqual(log, ['open /echo?i=0', 'close /echo?i=0', 'open /echo?i=1', 'close /echo?i=1'], log.join('\n'));
  });

  it('ends the iteration with the error a handler throws', async () => {
    const run = await runScript(
      `
import { WebSocket } from 'k6/experimental/websockets';
export const options = { iterations: 1 };
export default function () {
  const ws = new WebSocket(__ENV.WS_URL + '/echo');
  ws.onopen = () => { throw new Error('handler broke'); };
}
`,
      { WS_URL: server.url },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /handler broke/);
    assert.equal(run.metrics.iterations?.count, 1);
  });
});
