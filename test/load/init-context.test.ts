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

  for (const mode of ['isolated', 'shared'])
    it(`resolves import.meta.resolve() to a file: URL that open() reads (${mode})`, async () => {
      const line = "  const u = import.meta.resolve('./data.txt'); if (u) throw new Error('after import.meta');";
      const run = await runScript(
        `import { libText, where } from './lib.js';
const own = open(import.meta.resolve('./data.txt')).trim();
const tried = (f) => { try { f(); return 'ok'; } catch (e) { return e.message; } };
const empty = tried(() => open(''));
export const options = { iterations: 1 };
export default function () {
  console.log([libText, where.replace(/^file:\\/\\/.*\\//, 'file:///…/'), own, empty].join(' | '));
${line}
}
`,
        {},
        {
          'data.txt': 'main data\n',
          'lib.js':
            "export const where = import.meta.resolve('./data.txt');\nexport const libText = open(where).trim();\n",
        },
        ['--vu-mode', mode, '--verbose'],
      );
      if (mode === 'shared') assert.match(run.stderr, /VU mode: shared \(/);
      const logged = /msg="((?:[^"\\]|\\.)*)" source=console/.exec(run.stderr)?.[1];
      assert.equal(logged, "main data | file:///…/data.txt | main data | open() can't be used with an empty filename");
      // Columns after an import.meta stay the script's: the throw is reported where it is written.
      assert.match(
        run.stderr,
        new RegExp(
          `after import.meta\\\\n\\\\tat default \\(file:///[^)]*script\\.js:8:${line.indexOf('new Error') + 1}\\)`,
        ),
      );
    });

  for (const mode of ['isolated', 'shared'])
    it(`refuses k6/execution's VU, scenario, instance and test options in the init context (${mode})`, async () => {
      const run = await runScript(
        `import exec from 'k6/execution';
const t = (f) => { try { return String(f()); } catch (e) { return e.message; } };
const init = [t(() => exec.vu.idInTest), t(() => exec.scenario.name), t(() => exec.instance.vusActive), t(() => typeof exec.test.options)];
export function setup() { return [t(() => exec.vu.idInTest), t(() => exec.scenario.name)]; }
export const options = { iterations: 1 };
export default function (d) {
  console.log([...init, ...d, t(() => exec.vu.idInTest), t(() => exec.scenario.name)].join(' | '));
}
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      const line = /msg="((?:[^"\\]|\\.)*)" source=console/.exec(run.stderr)?.[1];
      const outside = 'getting scenario information outside of the VU context is not supported';
      assert.equal(
        line,
        [
          'getting VU information in the init context is not supported',
          outside,
          'getting instance information in the init context is not supported',
          'getting test options in the init context is not supported',
          '0',
          outside,
          '1',
          'default',
        ].join(' | '),
      );
    });
});
