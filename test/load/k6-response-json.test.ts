import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

// res.json(selector) as k6's (js/modules/k6/http/response.go): a GJSON path, and undefined where it matches
// nothing or the body is not JSON.
describe('res.json(selector)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  for (const mode of ['isolated', 'shared'])
    it(`selects with GJSON paths as k6 does (${mode})`, async () => {
      const run = await runScript(
        `import http from 'k6/http';
export const options = { iterations: 1 };
const doc = { items: [{ id: 1, name: 'a' }, { id: 2, name: 'b' }, { id: 3, name: 'c' }], 'a.b': 5, n: null };
export default function () {
  const res = http.post(__ENV.BASE + '/reply', JSON.stringify(doc));
  const bad = http.post(__ENV.BASE + '/reply', 'not json');
  const out = ['items.#', 'items.#.id', 'items.#(id>1)#.name', 'items.#(name=="c").id', 'a\\\\.b', 'n', 'nope'].map((s) => s + '=' + JSON.stringify(res.json(s)));
  out.push('bad=' + String(bad.json('x')));
  console.log(out.join(' '));
}
`,
        { BASE: server.url },
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      const line = /msg="((?:[^"\\]|\\.)*)" source=console/.exec(run.stderr)?.[1];
      assert.equal(
        line,
        'items.#=3 items.#.id=[1,2,3] items.#(id>1)#.name=[\\"b\\",\\"c\\"] items.#(name==\\"c\\").id=3 a\\\\.b=5 n=null nope=undefined bad=undefined',
      );
    });
});
