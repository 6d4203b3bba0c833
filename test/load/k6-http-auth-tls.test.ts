// Authentication, forms, TLS and network errors, each against a real loopback server.
// Specification: https://grafana.com/docs/k6/latest/examples/http-authentication/,
// https://grafana.com/docs/k6/latest/javascript-api/k6-http/params/,
// https://grafana.com/docs/k6/latest/using-k6/protocols/ssl-tls/ and
// https://grafana.com/docs/k6/latest/javascript-api/error-codes/
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startHttpbin, type Httpbin } from './helpers/httpbin.ts';
import { consoleLines, runScript, type ScriptRun } from './helpers/run-script.ts';

function assertChecks(run: ScriptRun, expected: number): void {
  assert.equal(run.code, 0, `exit ${run.code}; failed checks: ${run.failed.join(' | ')}\n${run.stderr}`);
  assert.deepEqual(run.failed, []);
  assert.equal(Object.keys(run.checks).length, expected, Object.keys(run.checks).join(' | '));
}

const THRESHOLD = `export const options = { thresholds: { checks: ['rate==1'] } };`;
const listen = async (server: Server) => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
};
const close = (server: Server) =>
  new Promise((resolve) => {
    server.closeAllConnections();
    server.close(resolve);
  });

describe('k6 authentication and forms', () => {
  let httpbin: Httpbin | undefined;
  let skip: string | undefined;
  let echo: Server;
  let echoUrl = '';
  let dir: string;
  before(async () => {
    const started = await startHttpbin();
    if (typeof started === 'string') skip = started;
    else httpbin = started;
    echo = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ body, type: req.headers['content-type'] ?? null }));
      });
    });
    echoUrl = `http://127.0.0.1:${await listen(echo)}`;
    dir = mkdtempSync(join(tmpdir(), 'tenantops-auth-'));
  });
  after(async () => {
    await httpbin?.close();
    await close(echo);
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends URL credentials as Basic auth and masks them in the url tag (examples/http-authentication)', async (t) => {
    if (skip) return t.skip(skip);
    const points = join(dir, 'basic.ndjson');
    const port = new URL(httpbin!.url).port;
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const res = http.get('http://bob:pass@127.0.0.1:' + __ENV.PORT + '/basic-auth/bob/pass');
        check(res, {
          'authenticated': (r) => r.status === 200 && r.json().authenticated === true && r.json().user === 'bob',
          'wrong password is refused': () => http.get('http://bob:nope@127.0.0.1:' + __ENV.PORT + '/basic-auth/bob/pass').status === 401,
        });
      }`,
      { PORT: port },
      {},
      ['--out', `json=${points}`],
    );
    assertChecks(run, 2);
    const urls = readFileSync(points, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { type: string; metric: string; data: { tags: Record<string, string> } })
      .filter((p) => p.type === 'Point' && p.metric === 'http_reqs')
      .map((p) => [p.data.tags.url, p.data.tags.name]);
    assert.deepEqual(urls[0], [
      `http://****:****@127.0.0.1:${port}/basic-auth/bob/pass`,
      `http://****:****@127.0.0.1:${port}/basic-auth/bob/pass`,
    ]);
  });

  it('answers a digest challenge with a second request; the 401 challenge is not a failed request', async (t) => {
    if (skip) return t.skip(skip);
    const port = new URL(httpbin!.url).port;
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const base = 'http://bob:pass@127.0.0.1:' + __ENV.PORT;
        const res = http.get(base + '/digest-auth/auth/bob/pass', { auth: 'digest' });
        check(res, {
          'digest MD5 accepted': (r) => r.status === 200 && r.error_code === 0 && r.json().authenticated === true,
          'url without credentials': (r) => r.url === 'http://127.0.0.1:' + __ENV.PORT + '/digest-auth/auth/bob/pass',
        });
        const sha = http.get(base + '/digest-auth/auth/bob/pass/SHA-256', { auth: 'digest' });
        check(sha, { 'digest SHA-256 accepted': (r) => r.status === 200 });
      }`,
      { PORT: port },
    );
    assertChecks(run, 3);
    assert.equal(run.metrics.http_reqs.count, 4, 'two requests per digest exchange, as k6 makes');
    assert.equal(run.metrics.http_req_failed.value, 0);
  });

  it('repeats the key of an array value in a form body, as k6 does (k6-http/request)', async (t) => {
    if (skip) return t.skip(skip);
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const body = { tags: ['x', 'y z'], n: 1, empty: null, star: 'a*b~' };
        const raw = http.post(__ENV.ECHO, body).json();
        check(raw, {
          'urlencoded': (r) => r.type === 'application/x-www-form-urlencoded',
          'sorted keys, repeated key, Go escaping': (r) => r.body === 'empty=&n=1&star=a%2Ab~&tags=x&tags=y+z',
        });
        const bin = http.post(__ENV.BIN + '/post', body).json();
        check(bin, { 'httpbin parsed both values': (r) => JSON.stringify(r.form.tags) === '["x","y z"]' });
      }`,
      { ECHO: echoUrl, BIN: httpbin!.url },
    );
    assertChecks(run, 3);
  });
});

describe('k6 TLS and network errors', () => {
  let dir: string;
  let tls13: Server;
  let tls12: Server;
  let url13 = '';
  let url12 = '';
  let mtls: Server;
  let urlMtls = '';
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenantops-tls-'));
    const ssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'ignore', cwd: dir });
    // A self-signed certificate `<name>.pem` with its key `<name>.key`, valid for a day.
    const selfSigned = (name: string, subject: string, ...extra: string[]) =>
      ssl(
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        `${name}.key`,
        '-out',
        `${name}.pem`,
        '-days',
        '1',
        '-subj',
        subject,
        ...extra,
      );
    selfSigned('server', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1');
    const opts = { key: readFileSync(join(dir, 'server.key')), cert: readFileSync(join(dir, 'server.pem')) };
    const handler: Parameters<typeof createHttpsServer>[1] = (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('secure');
    };
    tls13 = createHttpsServer(opts, handler) as unknown as Server;
    tls12 = createHttpsServer({ ...opts, maxVersion: 'TLSv1.2' }, handler) as unknown as Server;
    url13 = `https://127.0.0.1:${await listen(tls13)}`;
    url12 = `https://127.0.0.1:${await listen(tls12)}`;
    // A server that asks for a client certificate signed by its own CA and answers with the certificate's CN.
    selfSigned('ca', '/CN=test-ca');
    ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'client.key',
      '-out',
      'client.csr',
      '-subj',
      '/CN=k6-client',
    );
    ssl(
      'x509',
      '-req',
      '-in',
      'client.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'client.pem',
      '-days',
      '1',
    );
    mtls = createHttpsServer(
      { ...opts, ca: readFileSync(join(dir, 'ca.pem')), requestCert: true, rejectUnauthorized: true },
      (req, res) => {
        const peer = (req.socket as import('node:tls').TLSSocket).getPeerCertificate();
        res.end(`client ${String(peer.subject?.CN)}`);
      },
    ) as unknown as Server;
    urlMtls = `https://127.0.0.1:${await listen(mtls)}`;
  });
  after(async () => {
    await close(tls13);
    await close(tls12);
    await close(mtls);
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails a self-signed server with error_code 1310 "x509: unknown authority" (error-codes)', async () => {
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      ${THRESHOLD}
      export default function () {
        const res = http.get(__ENV.URL);
        check(res, {
          'status 0': (r) => r.status === 0,
          'error_code 1310': (r) => r.error_code === 1310,
          'k6 message': (r) => r.error === 'x509: unknown authority',
        });
      }`,
      { URL: url13 },
    );
    assertChecks(run, 3);
  });

  it('connects with insecureSkipTLSVerify and fills tls_version, tls_cipher_suite and the TLS timings (k6-options/reference)', async () => {
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      export const options = { insecureSkipTLSVerify: true, thresholds: { checks: ['rate==1'] } };
      export default function () {
        const first = http.get(__ENV.URL);
        const second = http.get(__ENV.URL);
        check(first, {
          'body': (r) => r.status === 200 && r.body === 'secure',
          'TLS 1.3': (r) => r.tls_version === http.TLS_1_3,
          'cipher suite named as in Go': (r) => /^TLS_(AES_(128|256)_GCM_SHA(256|384)|CHACHA20_POLY1305_SHA256)$/.test(r.tls_cipher_suite),
          'handshake timed on a new connection': (r) => r.timings.tls_handshaking > 0 && r.timings.connecting > 0,
          'remote address': (r) => r.remote_ip === '127.0.0.1' && r.remote_port > 0,
          'no handshake on a reused connection': () => second.timings.tls_handshaking === 0 && second.timings.connecting === 0,
        });
      }`,
      { URL: url13 },
    );
    assertChecks(run, 6);
    assert.ok(run.metrics.http_req_tls_handshaking.max > 0);
  });

  it('honours tlsVersion and tlsCipherSuites (using-k6/protocols/ssl-tls/ssl-tls-version-and-ciphers)', async () => {
    const run = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      export const options = {
        insecureSkipTLSVerify: true,
        tlsVersion: { min: 'tls1.2', max: 'tls1.2' },
        tlsCipherSuites: ['TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384'],
        thresholds: { checks: ['rate==1'] },
      };
      export default function () {
        check(http.get(__ENV.URL), {
          'TLS 1.2': (r) => r.tls_version === 'tls1.2',
          'the one allowed suite': (r) => r.tls_cipher_suite === 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384',
        });
      }`,
      { URL: url13 },
    );
    assertChecks(run, 2);
    const refused = await runScript(
      `import http from 'k6/http';
      import { check } from 'k6';
      export const options = { insecureSkipTLSVerify: true, tlsVersion: http.TLS_1_3, thresholds: { checks: ['rate==1'] } };
      export default function () {
        check(http.get(__ENV.URL), { 'TLS 1.2-only server refused with a TLS error (1300)': (r) => r.status === 0 && r.error_code === 1300 });
      }`,
      { URL: url12 },
    );
    assertChecks(refused, 1);
  });

  it('presents the tlsAuth client certificate of the matching domain, and none elsewhere (using-k6/protocols/ssl-tls/ssl-tls-client-certificates)', async () => {
    const script = (domains: string) => `import http from 'k6/http';
      import { check } from 'k6';
      export const options = {
        insecureSkipTLSVerify: true,
        tlsAuth: [{ domains: ${domains}, cert: open(__ENV.CERT), key: open(__ENV.KEY) }],
        thresholds: { checks: ['rate==1'] },
      };
      export default function () {
        const res = http.get(__ENV.URL);
        check(res, __ENV.EXPECT === 'cert'
          ? { 'the server saw the client certificate': (r) => r.status === 200 && r.body === 'client k6-client' }
          : { 'no certificate: the server refused the handshake': (r) => r.status === 0 && r.error_code >= 1000 });
      }`;
    const env = { URL: urlMtls, CERT: join(dir, 'client.pem'), KEY: join(dir, 'client.key') };
    assertChecks(await runScript(script(`['127.0.0.1']`), { ...env, EXPECT: 'cert' }), 1);
    assertChecks(await runScript(script(`['example.com']`), { ...env, EXPECT: 'none' }), 1);
  });

  it('refuses an unknown TLS version or cipher suite before the test, with exit 104', async () => {
    for (const option of [`tlsVersion: 'tls9.9'`, `tlsCipherSuites: ['TLS_NOT_A_SUITE']`]) {
      const run = await runScript(`export const options = { ${option} };\nexport default function () {}`);
      assert.equal(run.code, 104, run.stderr);
      assert.match(
        run.stderr,
        option.startsWith('tlsVersion') ? /unknown TLS version "tls9\.9"/ : /unknown cipher suite "TLS_NOT_A_SUITE"/,
      );
    }
  });

  it('reports connection refused, DNS failure, timeout and invalid URL with k6 error codes (error-codes)', async () => {
    const closed = createServer();
    const port = await listen(closed);
    await close(closed);
    const slow = createServer((_req, res) => setTimeout(() => res.end('late'), 2000));
    const slowUrl = `http://127.0.0.1:${await listen(slow)}`;
    try {
      const run = await runScript(
        `import http from 'k6/http';
        import { check } from 'k6';
        ${THRESHOLD}
        export default function () {
          check(http.get('http://127.0.0.1:' + __ENV.PORT + '/'), {
            'refused 1212': (r) => r.status === 0 && r.error_code === 1212 && r.error === 'dial: connection refused',
          });
          check(http.get('http://no-such-host.invalid/'), {
            'DNS 1101 or 1100': (r) => r.status === 0 && (r.error_code === 1101 || r.error_code === 1100),
          });
          check(http.get(__ENV.SLOW, { timeout: '200ms' }), {
            'timeout 1050': (r) => r.error_code === 1050 && r.error === 'request timeout',
          });
          // A URL Go parses fails in its Transport, recorded: error 1000 (js/modules/k6/http/request_test.go Invalid).
          check(http.get('ftp://127.0.0.1/'), {
            'ftp 1000': (r) => r.error_code === 1000 && r.error === 'unsupported protocol scheme "ftp"',
          });
          check(http.get('/relative'), {
            'relative 1000': (r) => r.error_code === 1000 && r.error === 'unsupported protocol scheme ""',
          });
        }`,
        { PORT: String(port), SLOW: slowUrl },
      );
      assertChecks(run, 5);
      assert.equal(run.metrics.http_req_failed.value, 1);
      assert.equal(run.metrics.http_reqs.count, 5);
    } finally {
      await close(slow);
    }
  });

  it("refuses a URL Go's url.Parse refuses, as k6: error 1020, nothing sent or recorded, thrown with throw", async () => {
    const seen: string[] = [];
    const server = createServer((req, res) => {
      seen.push(req.url ?? '');
      res.end('ok');
    });
    const port = await listen(server);
    const base = `http://127.0.0.1:${port}`;
    // k6: lib/netext/httpext/url.go NewURL (url.Parse, error 1020 "invalid URL: …"), js/modules/k6/http/request.go
    // handleParseRequestError (thrown with throw, else warned as Request Failed; MakeRequest is never called).
    const cases: [string, string][] = [
      [`${base}/a%zz`, 'invalid URL escape "%zz"'],
      [`${base}/b\r`, 'net/url: invalid control character in URL'],
      [`${base}/c#%zz`, 'invalid URL escape "%zz"'],
      [`http://127.0.0.1 :${port}/`, 'invalid character " " in host name'],
      [`http://127.0.0.1:x${port}/`, `invalid port ":x${port}" after host`],
      [` ${base}/`, 'first path segment in URL cannot contain colon'],
    ];
    const expected = cases.map(([url, reason]) => `invalid URL: parse ${JSON.stringify(url)}: ${reason}`);
    try {
      const run = await runScript(
        `import http from 'k6/http';
        import { check } from 'k6';
        ${THRESHOLD}
        const cases = JSON.parse(__ENV.CASES);
        export default function () {
          cases.forEach(([url, error], i) => {
            check(http.get(url), {
              ['refused ' + i]: (r) => r.status === 0 && r.error_code === 1020 && r.error === error,
            });
          });
          check(http.get(__ENV.BASE + '/ok?q=%zz'), { 'a bad escape in the query is sent, as by Go': (r) => r.status === 200 });
          const batch = http.batch([__ENV.BASE + '/batch', ['GET', __ENV.BASE + '/d%zz']]);
          check(batch, {
            'a batch with one sends none': (b) => b[0].status === 0 && b[0].error === '' && b[1].error_code === 1020,
          });
          let thrown = '';
          try {
            http.url\`\${__ENV.BASE}/e%zz\`;
          } catch (e) {
            thrown = e.message;
          }
          check(thrown, { 'http.url throws': (t) => t.startsWith('invalid URL: parse') });
          check(http.get(undefined), { 'undefined': (r) => r.error_code === 1020 && r.error === "invalid URL: '#<nil>'" });
        }`,
        { BASE: base, CASES: JSON.stringify(cases.map(([url], i) => [url, expected[i]])) },
      );
      assertChecks(run, cases.length + 4);
      assert.deepEqual(seen, ['/ok?q=%zz']);
      assert.equal(run.metrics.http_reqs.count, 1, 'only the request sent is recorded');
      assert.equal(run.metrics.http_req_failed.value, 0);
      for (const error of expected)
        assert.ok(run.stderr.includes(`msg="Request Failed" error=${JSON.stringify(error)}`), run.stderr);
      assert.match(run.stderr, /msg="A batch request failed" error="invalid URL: parse/);

      const thrown = await runScript(
        `import http from 'k6/http';
        export const options = { throw: true };
        export default async function () {
          for (const call of [() => http.get(__ENV.URL), () => http.asyncRequest('GET', __ENV.URL)]) {
            try {
              await call();
              console.log('not thrown');
            } catch (e) {
              console.log(e.message);
            }
          }
        }`,
        { URL: `${base}/f%zz` },
      );
      const message = `invalid URL: parse "${base}/f%zz": invalid URL escape "%zz"`;
      const logged = message.replaceAll('"', '\\"');
      assert.deepEqual(consoleLines(thrown.stderr), [logged, logged], thrown.stderr);
      assert.ok(!thrown.stderr.includes('Request Failed'), thrown.stderr);
      assert.deepEqual(seen, ['/ok?q=%zz']);
    } finally {
      await close(server);
    }
  });
});
