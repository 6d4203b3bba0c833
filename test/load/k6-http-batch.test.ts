// What http.batch() sends for each form of entry.
// Specification: k6's js/modules/k6/http/request.go (parseBatchRequest): an object entry with a method uppercases it
// and sends no body for GET or HEAD; an object without a method is a GET that keeps its body; an array entry keeps
// its body whatever the method.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';

describe('k6 http.batch entries', () => {
  let server: Server;
  let url = '';
  /** What the server received, one line a request: method, path, Content-Type and body. */
  let seen: string[] = [];
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        seen.push(`${req.method} ${req.url} type=${req.headers['content-type'] ?? '-'} body=${body || '-'}`);
        res.end('ok');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  for (const mode of ['shared', 'isolated']) {
    it(`sends no body for an object entry whose method is GET or HEAD, and keeps it otherwise (${mode} VUs)`, async () => {
      seen = [];
      const run = await runScript(
        `import http from 'k6/http';
        export const options = { iterations: 1 };
        export default function () {
          const res = http.batch([
            { method: 'GET', url: '${url}/obj-get', body: 'x' },
            { method: 'head', url: '${url}/obj-head', body: 'x' },
            { method: 'GET', url: '${url}/obj-get-form', body: { a: 1 } },
            { url: '${url}/obj-no-method', body: 'x' },
            { method: 'post', url: '${url}/obj-post', body: { a: 1 } },
            ['GET', '${url}/array-get', 'x'],
          ]);
          if (res.some((r) => r.status !== 200)) throw new Error('batch failed');
          console.log(res.map((r) => r.request.method + ' ' + (r.request.body || '-')).join(', '));
        }`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(seen.sort(), [
        'GET /array-get type=- body=x',
        'GET /obj-get type=- body=-',
        'GET /obj-get-form type=- body=-',
        'GET /obj-no-method type=- body=x',
        'HEAD /obj-head type=- body=-',
        'POST /obj-post type=application/x-www-form-urlencoded body=a=1',
      ]);
      assert.match(run.stderr, /msg="GET -, HEAD -, GET -, GET x, POST a=1, GET x"/);
    });
  }
});
