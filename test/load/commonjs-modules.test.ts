// CommonJS files beside ES modules, as k6 runs them: each CommonJS file in a sloppy function of its own
// (internal/js/compiler/compiler.go wraps it in `(function(module, exports){…})`, js/modules/cjsmodule.go calls it
// with this = exports), every ES module as strict code (sobek), whatever else the script imports. An ES module's
// import of one reads its exports as js/modules/cjsmodule.go (GetBindingValue) does. An ES module has no module or
// exports (nor Node's __filename and __dirname): internal/js/bundle.go sets only require, open, console, __VU and
// __ENV as globals.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';

const STRICTNESS = `function () { return this === undefined ? 'strict' : 'sloppy'; }`;

describe('CommonJS files in a script', () => {
  it('leave the ES modules strict: this, undeclared names; the CommonJS file alone is sloppy', async () => {
    const run = await runScript(
      `import lib from './lib.js';
import { esm } from './esm.js';
const mine = ${STRICTNESS};
const tried = (f) => { try { return f(); } catch (e) { return e.name + ': ' + e.message; } };
export const options = { iterations: 1 };
export default function () {
  console.log([lib.mode.call(undefined), lib.implicit(), esm.call(undefined), mine(), tried(() => { undeclared = 1; return 'assigned'; })].join(' | '));
}
`,
      {},
      {
        'lib.js': `var self = this;\nfunction implicit() { counter = 1; return 'implicit global ' + counter + ', this at the top ' + (self === exports ? 'exports' : typeof self); }\nmodule.exports = { mode: ${STRICTNESS}, implicit: implicit };\n`,
        'esm.js': `export const esm = ${STRICTNESS};\n`,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(consoleLines(run.stderr), [
      'sloppy | implicit global 1, this at the top exports | strict | strict | ReferenceError: undeclared is not defined',
    ]);
  });

  it("give an ES module's default import exports.default when there is one, module.exports otherwise, whatever __esModule says", async () => {
    const run = await runScript(
      `import withDefault, { other } from './with-default.js';
import marked from './marked.js';
import markedWithDefault from './marked-with-default.js';
import plain from './plain.js';
export const options = { iterations: 1 };
export default function () {
  console.log([withDefault, other, JSON.stringify(marked), markedWithDefault, JSON.stringify(plain)].join(' | '));
}
`,
      {},
      {
        'with-default.js': `exports.default = 'the default';\nexports.other = 'other';\n`,
        'marked.js': `Object.defineProperty(exports, '__esModule', { value: true });\nexports.named = 2;\n`,
        'marked-with-default.js': `exports.__esModule = true;\nexports.default = 'marked default';\n`,
        'plain.js': `module.exports = { p: 1 };\n`,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(consoleLines(run.stderr), [
      'the default | other | {\\"named\\":2} | marked default | {\\"p\\":1}',
    ]);
  });

  for (const mode of ['shared', 'isolated']) {
    it(`give an ES module no module, exports, __filename or __dirname: using them throws a ReferenceError (${mode} VUs)`, async () => {
      const run = await runScript(
        `import { inHelper } from './helper.js';
const tried = (f) => { try { return String(f()); } catch (e) { return e.name + ': ' + e.message; } };
export const options = { iterations: 1 };
const atInit = [typeof module, typeof exports, typeof __filename, typeof __dirname].join(' ');
export default function () {
  console.log([atInit, tried(() => module.exports), tried(() => { exports.x = 1; }), inHelper()].join(' | '));
}
`,
        {},
        {
          'helper.js': 'export const inHelper = () => { try { return module.id; } catch (e) { return e.name; } };\n',
        },
        ['--vu-mode', mode, '--verbose'],
      );
      assert.equal(run.code, 0, run.stderr);
      if (mode === 'shared') assert.match(run.stderr, /VU mode: shared \(/);
      assert.deepEqual(consoleLines(run.stderr), [
        'undefined undefined undefined undefined | ReferenceError: module is not defined | ReferenceError: exports is not defined | ReferenceError',
      ]);
    });
  }

  it('show their own file, line and column in a stack trace', async () => {
    const run = await runScript(
      `import lib from './lib.js';
export const options = { iterations: 1 };
export default function () { lib.fail(); }
`,
      {},
      {
        'lib.js': `// a vendored library\nmodule.exports = {\n  fail: function () { throw new Error('from lib'); },\n};\n`,
      },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /Error: from lib\\n\\tat (?:Object\.)?fail \(file:\/\/\/\S+\/lib\.js:3:29\)\\n\\tat default \(file:\/\/\/\S+\/script\.js:3:34\)/,
    );
  });

  it('run a CommonJS entry script: its exports are the options and functions', async () => {
    const run = await runScript(
      `var helper = require('./helper.js');
exports.options = { iterations: 2 };
exports.default = function () { console.log(helper.greet(__ITER)); };
`,
      {},
      { 'helper.js': `exports.greet = function (n) { return 'hello ' + n; };\n` },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(consoleLines(run.stderr), ['hello 0', 'hello 1']);
  });
});
