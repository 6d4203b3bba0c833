import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCli } from './helpers/run-cli.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
const script = fixture('runtime-diagnostics.js');
const at = (file: string, line: number, col: number) => `${pathToFileURL(fixture(file)).href}:${line}:${col}`;
/** The stderr line (logfmt: stderr is not a terminal) whose msg starts with text. */
const line = (stderr: string, text: string) => stderr.split('\n').find((l) => l.includes(`msg="${text}`)) ?? '';

// Errors, console output and failed requests are logged as k6 logs them: logrus lines with k6's fields,
// stack traces at the original file:line:col, objects in k6's console format.
describe("diagnostics in k6's format", () => {
  // https://grafana.com/docs/k6/latest/using-k6/modules/ — positions are those of the files as written
  // (esbuild's source map undoes the bundling and the TypeScript stripping).
  it('logs an exception with its stack in the original files, with executor, scenario and source=stacktrace', async () => {
    const run = await runCli([script, '--quiet']);
    assert.equal(run.code, 0, run.stderr);
    const error = line(run.stderr, 'Error: exploded');
    assert.ok(error.startsWith('time="'), run.stderr);
    assert.ok(
      error.includes(
        `level=error msg="Error: exploded: on purpose\\n\\tat explode (${at('lib/explode.ts', 4, 9)})\\n\\tat default (${at('runtime-diagnostics.js', 18, 3)})"`,
      ),
      error,
    );
    assert.ok(error.endsWith(' executor=shared-iterations scenario=default source=stacktrace'), error);
  });

  it('gives a thrown string the location of its throw', async () => {
    const run = await runCli([script, '--quiet'], { CASE: 'string' });
    assert.ok(
      line(run.stderr, 'a thrown string').includes(
        `msg="a thrown string\\n\\tat default (${at('runtime-diagnostics.js', 11, 38)})"`,
      ),
      run.stderr,
    );
  });

  it('ends the iteration with an exception thrown in a timer callback, and goes on', async () => {
    const run = await runCli([script, '--quiet'], { CASE: 'timer' });
    assert.equal(run.code, 0, run.stderr);
    assert.ok(
      line(run.stderr, 'Error: thrown in a timer').includes(`\\n\\tat ${at('runtime-diagnostics.js', 14, 13)}"`),
      run.stderr,
    );
  });

  // https://grafana.com/docs/k6/latest/javascript-api/error-codes/ — a request without a response logs
  // `WARN Request Failed` with the Go error text: method, quoted URL, reason.
  it('warns "Request Failed" with the method, URL and reason of a request that got no response', async () => {
    const run = await runCli([script, '--quiet']);
    const warning = line(run.stderr, 'Request Failed');
    assert.match(
      warning,
      /^time="[^"]+" level=warning msg="Request Failed" error="Get \\"http:\/\/127\.0\.0\.1:1\/unreachable\\": [^"]+"$/,
    );
  });

  // https://grafana.com/docs/k6/latest/javascript-api/#console — objects are rendered by k6's console, not util.inspect.
  it('logs console arguments in k6 format, with source=console', async () => {
    const run = await runCli([script, '--quiet']);
    assert.ok(
      line(run.stderr, 'obj').endsWith(
        String.raw`level=info msg="obj { a: 1, s: \"x\", n: null, u: null, arr: [ 1, \"two\" ], nested: { deep: true } } [ 1, 2 ] plain" source=console`,
      ),
      run.stderr,
    );
  });

  // https://grafana.com/docs/k6/latest/reference/k6-options/reference/#verbose
  it('prints console.debug only with --verbose', async () => {
    const quiet = await runCli([script, '--quiet']);
    assert.doesNotMatch(quiet.stderr, /only with verbose/);
    const verbose = await runCli([script, '--quiet', '--verbose']);
    assert.match(verbose.stderr, /level=debug msg="only with verbose" source=console/);
  });
});
