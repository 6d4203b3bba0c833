// The vus gauge as k6 samples it: once a second (internal/execution/scheduler.go emitVUsAndVUsMax), so a steady
// test reads the same value, min and max.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runScript } from './helpers/run-script.ts';

describe('the vus metric', () => {
  it('reads the active VUs of each 1 s tick: no 0 at the start or the end of a steady test', async () => {
    const run = await runScript(
      `import { sleep } from 'k6';
export const options = { vus: 3, duration: '2500ms' };
export default function () { sleep(0.1); }
`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.metrics.vus, { value: 3, min: 3, max: 3 });
  });

  it('shows the peak of a test shorter than a tick', async () => {
    const run = await runScript(`export const options = { vus: 2, iterations: 2 };\nexport default function () {}\n`);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(run.metrics.vus, { value: 2, min: 2, max: 2 });
  });
});
