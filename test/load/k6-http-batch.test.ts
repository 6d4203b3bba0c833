// What http.batch() sends for each form of entry.
// Specification: k6's js/modules/k6/http/request.go (parseBatchRequest): an object entry with a method uppercases it
// and sends no body for GET or HEAD; an object without a method is a GET that keeps its body; an array entry keeps
// its body whatever the method. An entry it cannot read (no url key, a method that is not a string, an array of
// fewer than two items) stops the batch before any request: Batch warns 'A batch request failed' and returns the
// responses it had, or throws with the throw option.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';

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

    it(`sends nothing when an entry cannot be read: warns and answers as far as it read, or throws with throw (${mode} VUs)`, async () => {
      seen = [];
      const script = (throws: boolean) => `import http from 'k6/http';
        export const options = { iterations: 1, throw: ${throws} };
        const show = (r) => r === null ? 'null' : r.status + ' [' + r.error + ']';
        const tried = (f) => { try { return f(); } catch (e) { return 'threw ' + e.message; } };
        export default function () {
          console.log(tried(() => http.batch([{ method: 'GET', url: '${url}/a' }, { method: 'GET' }, ['GET', '${url}/c']]).map(show).join(', ')));
          console.log(tried(() => {
            const res = http.batch({ first: ['GET', '${url}/d'], bad: { method: 1, url: '${url}/e' }, after: '${url}/f' });
            return Object.keys(res).map((k) => k + ' ' + show(res[k])).join(', ');
          }));
          console.log(tried(() => http.batch([['GET']]).map(show).join(', ')));
        }`;
      const run = await runScript(script(false), {}, {}, ['--vu-mode', mode]);
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(consoleLines(run.stderr), [
        "0 [], 0 [batch request 1 doesn't have a url key], null",
        "first 0 [], bad 0 [invalid method type '1']",
        `0 [invalid batch request '[]interface {}{\\"GET\\"}']`,
      ]);
      assert.match(
        run.stderr,
        /level=warning msg="A batch request failed" error="batch request 1 doesn't have a url key"/,
      );
      const thrown = await runScript(script(true), {}, {}, ['--vu-mode', mode]);
      assert.equal(thrown.code, 0, thrown.stderr);
      assert.deepEqual(consoleLines(thrown.stderr), [
        "threw batch request 1 doesn't have a url key",
        "threw invalid method type '1'",
        `threw invalid batch request '[]interface {}{\\"GET\\"}'`,
      ]);
      assert.deepEqual(seen, [], 'no request of those batches went out');
      assert.equal(run.metrics.http_reqs, undefined);
    });
  }
});
