import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

/** Runs a one-iteration script against the server in a VU mode; the message of its console.log line. */
async function consoleLine(script: string, server: TestServer, mode: string): Promise<string | undefined> {
  const run = await runScript(script, { BASE: server.url }, {}, ['--vu-mode', mode]);
  assert.equal(run.code, 0, run.stderr);
  return /msg="((?:[^"\\]|\\.)*)" source=console/.exec(run.stderr)?.[1];
}

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
      const line = await consoleLine(
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
        server,
        mode,
      );
      assert.equal(
        line,
        'items.#=3 items.#.id=[1,2,3] items.#(id>1)#.name=[\\"b\\",\\"c\\"] items.#(name==\\"c\\").id=3 a\\\\.b=5 n=null nope=undefined bad=undefined',
      );
    });
  // k6 parses with Go's encoding/json and throws its SyntaxError with a line and character
  // (checkErrorInJSON); Node's JSON.parse said `Unexpected token '<', "<html>..." is not valid JSON`.
  for (const mode of ['isolated', 'shared'])
    it(`throws k6's error for a body that is not JSON (${mode})`, async () => {
      const line = await consoleLine(
        `import http from 'k6/http';
export const options = { iterations: 1 };
export default function () {
  const out = [];
  for (const body of ['<html><body>Bad Gateway</body></html>', '{\\n  "a": [1,\\n  ]\\n}', '{"é":1', '']) {
    try {
      http.post(__ENV.BASE + '/reply', body).json();
      out.push('parsed');
    } catch (e) {
      out.push(e.message);
    }
  }
  console.log(out.join(' | '));
}
`,
        server,
        mode,
      );
      assert.equal(
        line,
        [
          "cannot parse json due to an error at line 1, character 1 , error: invalid character '<' looking for beginning of value",
          "cannot parse json due to an error at line 3, character 3 , error: invalid character ']' looking for beginning of value",
          'cannot parse json due to an error at line 1, character 6 , error: unexpected end of JSON input',
          'cannot parse json due to an error at line 1, character 0 , error: unexpected end of JSON input',
        ].join(' | '),
      );
    });
});
