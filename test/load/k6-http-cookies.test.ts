// k6 cookie handling against httpbin and a loopback server.
// Specification: https://grafana.com/docs/k6/latest/using-k6/cookies/ and
// https://grafana.com/docs/k6/latest/javascript-api/k6-http/cookiejar/
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { startHttpbin, type Httpbin } from './helpers/httpbin.ts';
import { runScript, type ScriptRun } from './helpers/run-script.ts';

function assertChecks(run: ScriptRun, expected: number): void {
  assert.equal(run.code, 0, `exit ${run.code}; failed checks: ${run.failed.join(' | ')}\n${run.stderr}`);
  assert.deepEqual(run.failed, []);
  assert.equal(Object.keys(run.checks).length, expected, Object.keys(run.checks).join(' | '));
}

const THRESHOLD = `export const options = { thresholds: { checks: ['rate==1'] } };`;

describe('k6 cookies', () => {
  let httpbin: Httpbin | undefined;
  let skip: string | undefined;
  let local: Server;
  let localUrl = '';
  before(async () => {
    const started = await startHttpbin();
    if (typeof started === 'string') skip = started;
    else httpbin = started;
    // /login sets a session cookie and redirects; /home and /deep/page echo the Cookie header;
    // /logout expires the cookie with Max-Age=0.
    local = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/login') {
        res.writeHead(302, {
          location: '/home',
          'set-cookie': ['sid=abc123; Path=/; HttpOnly', 'scoped=1; Path=/deep', 'pref="a b"; Max-Age=3600'],
        });
        return res.end();
      }
      if (path === '/logout') {
        res.writeHead(200, { 'set-cookie': 'sid=; Path=/; Max-Age=0' });
        return res.end('bye');
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path, cookie: req.headers.cookie ?? null }));
    });
    await new Promise<void>((resolve) => local.listen(0, '127.0.0.1', resolve));
    localUrl = `http://127.0.0.1:${(local.address() as AddressInfo).port}`;
  });
  after(async () => {
    await httpbin?.close();
    local.closeAllConnections();
    await new Promise((resolve) => local.close(resolve));
  });

  it('exposes res.cookies with the eight documented properties and stores them in the VU jar (using-k6/cookies)', async (t) => {
    if (skip) return t.skip(skip);
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const res = http.get(__ENV.BIN + '/cookies/set?my_cookie=hello%20world', { redirects: 0 });
        const jar = http.cookieJar();
        const cookies = jar.cookiesForURL(__ENV.BIN + '/cookies');
        const c = res.cookies.my_cookie[0];
        check(res, {
          'status 302': (r) => r.status === 302,
          "has cookie 'my_cookie'": (r) => r.cookies.my_cookie.length > 0,
          'cookie has correct value': (r) => r.cookies.my_cookie[0].value === 'hello world',
          'eight properties': () =>
            JSON.stringify(Object.keys(c).sort()) ===
            JSON.stringify(['domain', 'expires', 'http_only', 'max_age', 'name', 'path', 'secure', 'value']),
          'path from Set-Cookie': () => c.path === '/' && c.name === 'my_cookie' && c.secure === false,
          'jar has it': () => cookies.my_cookie[0] === 'hello world',
        });
      }`,
      { BIN: httpbin!.url },
    );
    assertChecks(run, 6);
  });

  it('keeps cookies across redirects and sends them on later requests', async (t) => {
    if (skip) return t.skip(skip);
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        // httpbin's /cookies/set answers 302 to /cookies, which echoes the cookies it received.
        const res = http.get(__ENV.BIN + '/cookies/set?a=1&b=two');
        check(res, {
          'followed the redirect': (r) => r.url === __ENV.BIN + '/cookies' && r.status === 200,
          'redirect target got the cookies': (r) => r.json().cookies.a === '1' && r.json().cookies.b === 'two',
        });
        const later = http.get(__ENV.BIN + '/cookies');
        check(later, { 'later request sends them': (r) => r.json().cookies.a === '1' });
        const home = http.get(__ENV.LOCAL + '/login');
        check(home, {
          'local redirect carried sid': (r) => r.json().path === '/home' && r.json().cookie.includes('sid=abc123'),
          'path-scoped cookie not sent to /home': (r) => !r.json().cookie.includes('scoped='),
          'quoted value sent back quoted': (r) => r.json().cookie.includes('pref="a b"'),
          'request.cookies lists the jar cookies': (r) => r.request.cookies !== undefined,
        });
        const deep = http.get(__ENV.LOCAL + '/deep/page');
        check(deep, { 'longest path first': (r) => r.json().cookie.startsWith('scoped=1; ') });
        http.get(__ENV.LOCAL + '/logout');
        check(http.get(__ENV.LOCAL + '/home'), { 'Max-Age=0 deleted sid': (r) => !(r.json().cookie || '').includes('sid=') });
      }`,
      { BIN: httpbin!.url, LOCAL: localUrl },
    );
    assertChecks(run, 9);
  });

  it('implements jar.set with domain, path, expires and secure, params.cookies with replace, clear and delete (k6-http/cookiejar)', async (t) => {
    if (skip) return t.skip(skip);
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const B = __ENV.BIN;
        const jar = http.cookieJar();
        jar.set(B + '/cookies', 'key', 'value');
        let res = http.get(B + '/cookies', { cookies: { key2: 'value2' } });
        check(res, {
          'jar cookie sent': (r) => r.json().cookies.key === 'value',
          'params cookie sent': (r) => r.json().cookies.key2 === 'value2',
          'params cookie not stored': () => jar.cookiesForURL(B + '/cookies').key2 === undefined,
        });
        res = http.get(B + '/cookies', { cookies: { key: { value: 'replaced', replace: true } } });
        check(res, {
          'replace: true overrides the jar': (r) => r.json().cookies.key === 'replaced',
          'jar keeps its value': () => jar.cookiesForURL(B + '/cookies').key[0] === 'value',
        });
        jar.set(B + '/cookies', 'other', 'x', { domain: 'example.com' });
        jar.set(B + '/cookies', 'pathed', 'x', { path: '/some-other-path' });
        jar.set(B + '/cookies', 'old', 'x', { expires: 'Sun, 24 Jul 1983 17:01:02 GMT' });
        jar.set(B + '/cookies', 'future', 'x', { expires: 'Sat, 24 Jul 2083 17:01:02 GMT' });
        jar.set(B + '/cookies', 'sec', 'x', { secure: true });
        res = http.get(B + '/cookies');
        const got = res.json().cookies;
        check(got, {
          'foreign domain refused': (c) => c.other === undefined,
          'other path not sent': (c) => c.pathed === undefined,
          'expired not sent': (c) => c.old === undefined,
          'future expiry sent': (c) => c.future === 'x',
          'secure not sent over http': (c) => c.sec === undefined,
        });
        jar.delete(B + '/cookies', 'key');
        check(http.get(B + '/cookies').json().cookies, {
          'delete removed key only': (c) => c.key === undefined && c.future === 'x',
        });
        jar.clear(B + '/cookies');
        check(http.get(B + '/cookies').json().cookies, { 'clear removed all': (c) => Object.keys(c).length === 0 });
      }`,
      { BIN: httpbin!.url },
    );
    assertChecks(run, 12);
  });

  it('uses a local jar from new http.CookieJar() given as params.jar, leaving the VU jar alone', async (t) => {
    if (skip) return t.skip(skip);
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const B = __ENV.BIN;
        const jar = new http.CookieJar();
        jar.set(B + '/cookies', 'key', 'value');
        const res = http.get(B + '/cookies', { cookies: { key2: 'value2' }, jar });
        check(res, {
          'local jar cookie sent': (r) => r.json().cookies.key === 'value' && r.json().cookies.key2 === 'value2',
        });
        http.get(B + '/cookies/set?fromserver=1', { jar });
        check(null, {
          'server cookie went to the local jar': () => jar.cookiesForURL(B + '/').fromserver[0] === '1',
          'VU jar untouched': () => http.cookieJar().cookiesForURL(B + '/').fromserver === undefined,
        });
      }`,
      { BIN: httpbin!.url },
    );
    assertChecks(run, 3);
  });

  it('empties the VU jar between iterations unless noCookiesReset is set (k6-options/reference#no-cookies-reset)', async (t) => {
    if (skip) return t.skip(skip);
    const script = (extra: string) => `import http from 'k6/http';
      import { check } from 'k6';
      export const options = { iterations: 2, vus: 1, ${extra} thresholds: { checks: ['rate==1'] } };
      export default function () {
        if (__ITER === 0) { http.get(__ENV.BIN + '/cookies/set?n=1'); return; }
        const sent = http.get(__ENV.BIN + '/cookies').json().cookies.n;
        check(sent, { [__ENV.EXPECT]: (n) => (__ENV.EXPECT === 'kept' ? n === '1' : n === undefined) });
      }`;
    assertChecks(await runScript(script(''), { BIN: httpbin!.url, EXPECT: 'reset' }), 1);
    assertChecks(await runScript(script('noCookiesReset: true,'), { BIN: httpbin!.url, EXPECT: 'kept' }), 1);
  });
});
