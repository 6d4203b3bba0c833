// What k6/http does without being asked: the default User-Agent and the limits of http.batch().
// Specification: k6's js/modules/k6/http/request.go (User-Agent from the userAgent option, whose default is the
// --user-agent flag's in internal/cmd/options.go) and lib/netext/httpext/batch.go (batch, batchPerHost).
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';
import { startWsEchoServer } from './helpers/ws-echo-server.ts';

interface Local {
  server: Server;
  url: string;
  agents: (string | null)[];
  /** Requests on the wire at once, at most, since the last reset. */
  peak: number;
  active: number;
}

async function startLocal(): Promise<Local> {
  const local = { agents: [], peak: 0, active: 0 } as unknown as Local;
  local.server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    const hop = /^\/r\/(\d+)$/.exec(u.pathname);
    if (hop) {
      res.writeHead(302, { location: Number(hop[1]) > 1 ? `/r/${Number(hop[1]) - 1}` : '/ua' });
      return res.end();
    }
    if (u.pathname === '/ua') {
      local.agents.push(req.headers['user-agent'] ?? null);
      return res.end('ok');
    }
    local.active++;
    local.peak = Math.max(local.peak, local.active);
    setTimeout(() => {
      local.active--;
      res.end('slow');
    }, 150);
  });
  await new Promise<void>((resolve) => local.server.listen(0, '127.0.0.1', resolve));
  local.url = `http://127.0.0.1:${(local.server.address() as AddressInfo).port}`;
  return local;
}

async function stop(local: Local): Promise<void> {
  local.server.closeAllConnections();
  await new Promise((resolve) => local.server.close(resolve));
}

describe('k6/http defaults', () => {
  let a: Local;
  let b: Local;
  before(async () => {
    a = await startLocal();
    b = await startLocal();
  });
  after(async () => {
    await stop(a);
    await stop(b);
  });

  it("sends k6's User-Agent unless the userAgent option or the request's headers set another, and none for ''", async () => {
    a.agents.length = 0;
    const script = (options: string) => `import http from 'k6/http';
      export const options = ${options};
      export default function () {
        http.get('${a.url}/ua');
        http.get('${a.url}/ua', { headers: { 'user-agent': 'mine/1' } });
      }`;
    for (const options of ['{}', "{ userAgent: 'custom/2' }", "{ userAgent: '' }"]) {
      const run = await runScript(script(options));
      assert.equal(run.code, 0, run.stderr);
    }
    assert.deepEqual(a.agents, ['Grafana k6/2.2.0', 'mine/1', 'custom/2', 'mine/1', null, 'mine/1']);
  });

  it("sends a method as the script wrote it (k6: request.go parseRequest), upper-casing only a batch object's", async () => {
    // A raw socket: Node's HTTP server answers 400 to a method that is not upper-case, before any handler sees it.
    const lines: string[] = [];
    const raw = createNetServer((socket) => {
      socket.once('data', (d: Buffer) => {
        lines.push(d.toString('latin1').split('\r\n')[0]);
        socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok');
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(raw.address() as AddressInfo).port}`;
    const closed = createNetServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const closedUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise((resolve) => closed.close(resolve));
    try {
      const run = await runScript(`import http from 'k6/http';
        export default function () {
          const res = http.request('get', '${url}/a');
          console.log(res.status + ' ' + res.request.method);
          http.request('Post', '${url}/b', 'x');
          http.batch([['patch', '${url}/c', 'y']]);
          http.batch([{ method: 'delete', url: '${url}/d' }]);
          http.request('pUt', '${closedUrl}');
        }`);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(lines, ['get /a HTTP/1.1', 'Post /b HTTP/1.1', 'patch /c HTTP/1.1', 'DELETE /d HTTP/1.1']);
      assert.deepEqual(consoleLines(run.stderr), ['200 get']);
      // net/http's url.Error names the method by its first letter as written and the rest lower-cased.
      assert.ok(run.stderr.includes(`error="put \\"${closedUrl}\\": dial: connection refused"`), run.stderr);
    } finally {
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('warns when the default redirect limit, not one the script set, stops a request, as k6 does', async () => {
    const script = (options: string, params: string) => `import http from 'k6/http';
      export const options = ${options};
      export default function () {
        const res = http.get('${a.url}/r/12'${params});
        console.log(res.status + ' ' + res.url.replace('${a.url}', ''));
      }`;
    const run = await runScript(script('{}', ''));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /msg="302 \/r\/2"/);
    const warnings = run.stderr.split('\n').filter((l) => l.includes('level=warning'));
    assert.deepEqual(
      warnings.map((l) => l.replace(/^time="[^"]*" /, '')),
      [
        `level=warning msg="Stopped after 11 redirects and returned the redirection; pass { redirects: n } in request params or set global maxRedirects to silence this" url="${a.url}/r/12"`,
      ],
    );
    for (const [options, params] of [
      ['{ maxRedirects: 3 }', ''],
      ['{}', ', { redirects: 2 }'],
    ]) {
      const quiet = await runScript(script(options, params));
      assert.equal(quiet.code, 0, quiet.stderr);
      assert.doesNotMatch(quiet.stderr, /level=warning/);
      assert.match(quiet.stderr, /msg="302 \/r\/\d+"/);
    }
  });

  for (const mode of ['shared', 'isolated']) {
    it(`throws a failed request's error instead of warning with the throw option (${mode} VUs)`, async () => {
      const run = await runScript(
        `import http from 'k6/http';
        export const options = { throw: true };
        const tried = (f) => { try { return 'returned ' + f().length; } catch (e) { return 'threw ' + e.message; } };
        export default function () {
          console.log(tried(() => http.get('http://127.0.0.1:1/x').status + ''));
          console.log(tried(() => http.batch(['${a.url}/ua', 'http://127.0.0.1:1/y'])));
          console.log(tried(() => http.get('${a.url}/ua').body));
        }`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      assert.doesNotMatch(run.stderr, /Request Failed/);
      assert.deepEqual(consoleLines(run.stderr), [
        'threw Get \\"http://127.0.0.1:1/x\\": dial: connection refused',
        'threw Get \\"http://127.0.0.1:1/y\\": dial: connection refused',
        'returned 2',
      ]);
      assert.equal(run.metrics.http_reqs.count, 4, 'a request that throws is still measured');
    });
  }

  it('sends the same User-Agent in the handshakes of k6/ws and k6/websockets', async () => {
    const ws = await startWsEchoServer();
    try {
      const run = await runScript(
        `import ws from 'k6/ws';
        import { WebSocket } from 'k6/websockets';
        export default function () {
          ws.connect('${ws.url}/ws', {}, (socket) => socket.on('open', () => socket.close()));
          ws.connect('${ws.url}/ws-own', { headers: { 'User-Agent': 'mine/1' } }, (socket) => socket.on('open', () => socket.close()));
          const s = new WebSocket('${ws.url}/websockets');
          s.onopen = () => s.close();
        }`,
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(
        ws.handshakes.map((h) => [h.path, h.headers['user-agent']]),
        [
          ['/ws', 'Grafana k6/2.2.0'],
          ['/ws-own', 'mine/1'],
          ['/websockets', 'Grafana k6/2.2.0'],
        ],
      );
    } finally {
      await ws.close();
    }
  });

  for (const mode of ['shared', 'isolated']) {
    it(`limits http.batch() to 20 requests at once and 6 per host by default, or to batch and batchPerHost (${mode} VUs)`, async () => {
      const peaks = async (options: string, hosts: Local[]) => {
        for (const l of hosts) l.peak = 0;
        const run = await runScript(
          `import http from 'k6/http';
          export const options = ${options};
          export default function () {
            const urls = [];
            for (let i = 0; i < 10; i++) for (const base of ${JSON.stringify(hosts.map((l) => l.url))}) urls.push(base + '/slow?i=' + i);
            const res = http.batch(urls);
            if (res.length !== urls.length || res.some((r) => r.status !== 200)) throw new Error('batch failed');
          }`,
          {},
          {},
          ['--vu-mode', mode],
        );
        assert.equal(run.code, 0, run.stderr);
        assert.equal(run.metrics.http_reqs.count, 10 * hosts.length);
        return hosts.map((l) => l.peak);
      };
      assert.deepEqual(await peaks('{}', [a]), [6]);
      assert.deepEqual(await peaks('{ batch: 3 }', [a]), [3]);
      assert.deepEqual(await peaks('{ batchPerHost: 0 }', [a]), [10]);
      assert.deepEqual(await peaks('{ batchPerHost: 2 }', [a, b]), [2, 2]);
      // Three workers for two hosts of one slot each: the third request waits for a's slot, and holds its worker.
      assert.deepEqual(await peaks('{ batch: 3, batchPerHost: 1 }', [a, b]), [1, 1]);
    });
  }
});
