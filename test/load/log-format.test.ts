import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runLoad } from '../../src/load/run-load.ts';
import { formatLogLine, goQuote } from '../../src/load/log/format-log-line.ts';
import { formatConsole } from '../../src/load/runtime/format-console.ts';
import { ScriptStack } from '../../src/load/runtime/script-stack.ts';
import { markThrowSites } from '../../src/load/script/mark-throw-sites.ts';

// k6 prints through logrus's text formatter: https://grafana.com/docs/k6/latest/reference/k6-options/reference/#log-format
describe('log lines', () => {
  const entry = {
    level: 'warn' as const,
    message: 'Request Failed',
    fields: { error: 'Get "http://x/": request timeout', a: 'plain' },
    seconds: 3.7,
    time: Date.UTC(2025, 0, 2, 3, 4, 5),
  };

  it('are logfmt outside a terminal: time, level, msg, then fields by name, quoted when needed', () => {
    const line = formatLogLine(entry, false);
    assert.match(
      line,
      /^time="2025-01-0\dT\d\d:04:05(Z|[+-]\d\d:\d\d)" level=warning msg="Request Failed" a=plain error="Get \\"http:\/\/x\/\\": request timeout"$/,
    );
  });

  it('are coloured on a terminal, with the level in four letters, seconds since the start and a padded message', () => {
    assert.equal(
      formatLogLine(entry, true),
      `\x1b[33mWARN\x1b[0m[0003] ${'Request Failed'.padEnd(44)}  \x1b[33ma\x1b[0m=plain \x1b[33merror\x1b[0m="Get \\"http://x/\\": request timeout"`,
    );
    assert.equal(
      formatLogLine({ ...entry, level: 'error', fields: {}, seconds: 0 }, true),
      `\x1b[31mERRO\x1b[0m[0000] ${'Request Failed'.padEnd(44)} `,
    );
  });

  it("quote as Go's %q does", () => {
    assert.equal(goQuote('a\n\tb"c\\'), '"a\\n\\tb\\"c\\\\"');
    assert.equal(goQuote('\x1b[1m é'), '"\\x1b[1m é"');
  });
});

// k6 ≥ 1.5's console (internal/js/console.go): https://grafana.com/docs/k6/latest/javascript-api/#console
describe('console arguments', () => {
  it('are joined by spaces without printf substitution; strings, numbers and errors print as text', () => {
    assert.equal(formatConsole(['a %s', 'b', 1.5, true, null, undefined]), 'a %s b 1.5 true null undefined');
    assert.equal(formatConsole([new TypeError('bad')]), 'TypeError: bad');
    assert.equal(formatConsole([() => 1]), '[object Function]');
  });

  it('render objects and arrays JSON-like, with quoted strings and null for undefined', () => {
    const circular: Record<string, unknown> = { name: 'c' };
    circular.self = circular;
    const shared = { x: 1 };
    assert.equal(
      formatConsole([{ a: 1, b: 'x', c: [1, undefined, 'y'], d: {} }]),
      '{ a: 1, b: "x", c: [ 1, null, "y" ], d: {} }',
    );
    assert.equal(formatConsole([circular]), '{ name: "c", self: [Circular] }');
    assert.equal(formatConsole([{ p: shared, q: shared }]), '{ p: { x: 1 }, q: { x: 1 } }');
    assert.equal(formatConsole([[]]), '[]');
    assert.equal(formatConsole([{ f() {}, e: new Error('in') }]), '{ f: [object Function], e: Error: in }');
    assert.equal(formatConsole([new Date(Date.UTC(2025, 0, 1))]), '"2025-01-01T00:00:00.000Z"');
    assert.equal(
      formatConsole([new Uint8Array([1, 2]).buffer]),
      'ArrayBuffer { [Uint8Contents]: <01 02>, byteLength: 2 }',
    );
    assert.equal(formatConsole([new Int16Array([3, -4])]), 'Int16Array(2) [ 3, -4 ]');
  });
});

describe('stack positions of the bundle', () => {
  it('undo the throw-site marks on a line before the source map is applied', () => {
    const code = 'function f() {\n  if (x) throw "no"; g(y);\n}\n';
    const marked = markThrowSites(code);
    assert.equal(marked.code, 'function f() {\n  if (x) throw __k6_throw("no"); g(y);\n}\n');
    assert.deepEqual(marked.insertions, [
      [2, 15, 11],
      [2, 19, 1],
    ]);
    const stack = new ScriptStack({ file: '/s.js', lineOffset: 0, dir: '/', insertions: marked.insertions });
    // g(y) is at column 21 (1-based) of line 2 before marking, 33 after.
    assert.equal(stack.locate(2, 33), 'file:///s.js:2:21');
    // Inside the inserted call: the thrown expression's position.
    assert.equal(stack.locate(2, 20), 'file:///s.js:2:16');
    assert.equal(stack.locate(2, 3), 'file:///s.js:2:3');
  });
});

// k6 drops its colours when NO_COLOR is set (https://no-color.org): logrus then writes logfmt lines even on a
// terminal, and the end-of-test summary is plain. Both were coloured on a terminal whatever NO_COLOR said.
describe('NO_COLOR', () => {
  class TtyCapture extends Writable {
    text = '';
    isTTY = true;
    override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
      this.text += chunk.toString('utf8');
      done();
    }
  }
  const script = fileURLToPath(new URL('./fixtures/runtime-diagnostics.js', import.meta.url));
  const colour = /\x1b\[[\d;]*m/; // eslint-disable-line no-control-regex

  it('and --no-color take the colours out of the log lines and the summary on a terminal', async () => {
    for (const [processEnv, noColor, coloured] of [
      [{}, undefined, true],
      [{ NO_COLOR: '1' }, undefined, false],
      [{}, true, false], // --no-color
    ] as const) {
      const stdout = new TtyCapture();
      const stderr = new TtyCapture();
      await runLoad({ script, quiet: true, stdout, stderr, processEnv, noColor });
      assert.equal(colour.test(stdout.text), coloured, stdout.text);
      assert.equal(colour.test(stderr.text), coloured, stderr.text);
      if (!coloured) assert.match(stderr.text, /^time=".*" level=info msg="obj /m);
    }
  });
});
