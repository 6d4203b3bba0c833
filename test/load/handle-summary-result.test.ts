import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';

const script = (body: string) => `export const options = { iterations: 1 };
export default function () {}
export function handleSummary(data) { ${body} }
`;

// What k6 does with handleSummary()'s return value (internal/js/summary-wrapper.js, summary.go
// getSummaryResult): nothing returned prints the default summary; a value it cannot write is an error, and then
// nothing is written.
describe("handleSummary()'s return value", () => {
  it('prints the default summary when handleSummary returns nothing (it only sent the results somewhere)', async () => {
    const run = await runScript(script("console.log('sent', Object.keys(data.metrics).length > 0);"));
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /msg="sent true"/);
    assert.match(run.stdout, /TOTAL RESULTS[\s\S]*iterations\.+: 1 /);
  });

  it("logs k6's error and writes nothing for a value that is not a string or ArrayBuffer", async () => {
    const run = await runScript(script("return { stdout: 'written?\\n', 'summary.json': data };"));
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /written\?|TOTAL RESULTS/);
    assert.match(
      run.stderr,
      /level=error msg="failed to handle the end-of-test summary" error="error handling summary object summary\.json: invalid type map\[string\]interface \{\}, it needs to be a string or ArrayBuffer"/,
    );
  });

  it("logs k6's error for a return value that is not an object", async () => {
    const run = await runScript(script("return 'a string';"));
    assert.equal(run.code, 0, run.stderr);
    assert.doesNotMatch(run.stdout, /a string|TOTAL RESULTS/);
    assert.match(run.stderr, /error="handleSummary\(\) should return a map with string keys"/);
  });

  it('writes a Uint8Array as its bytes, as k6 writes a []byte', async () => {
    const run = await runScript(script('return { stdout: new Uint8Array([104, 105, 10]) };'));
    assert.equal(run.code, 0, run.stderr);
    assert.equal(run.stdout, 'hi\n');
  });

  it('logs a handleSummary exception as k6 does, with its stack, and prints the default summary', async () => {
    const run = await runScript(script("throw new Error('summary broke');"));
    assert.equal(run.code, 0, run.stderr);
    assert.match(
      run.stderr,
      /level=error msg="Error: summary broke\\n\\tat handleSummary \(file:\/\/\/[^"]*script\.js:3:\d+\)" source=stacktrace/,
    );
    assert.match(run.stdout, /TOTAL RESULTS/);
  });
});
