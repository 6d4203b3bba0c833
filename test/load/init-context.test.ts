import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

// What only the init context may do, and what it may not, with k6's texts (internal/js/initcontext.go,
// js/modules/k6/http/request.go).
describe('the init context and the VU context', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  for (const mode of ['isolated', 'shared'])
    it(`refuses open() in a VU and requests in the init context with k6's messages (${mode})`, async () => {
      const run = await runScript(
        `import http from 'k6/http';
const tried = (f) => { try { f(); return 'ok'; } catch (e) { return e.message; } };
const data = open('./data.txt');
const inInit = tried(() => http.get(__ENV.BASE + '/ok'));
export const options = { iterations: 1 };
export default function () {
  console.log([data.trim(), inInit, tried(() => open('./data.txt'))].join(' | '));
}
`,
        { BASE: server.url },
        { 'data.txt': 'hello\n' },
        ['--vu-mode', mode, '--verbose'],
      );
      if (mode === 'shared') assert.match(run.stderr, /VU mode: shared \(/);
      const line = /msg="((?:[^"\\]|\\.)*)" source=console/.exec(run.stderr)?.[1];
      assert.equal(
        line,
        'hello | Making http requests in the init context is not supported | the \\"open\\" function is only available ' +
          'in the init stage (i.e. the global scope), see https://grafana.com/docs/k6/latest/using-k6/test-lifecycle/ ' +
          'for more information',
      );
    });
});
