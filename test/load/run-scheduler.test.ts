import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { realClock, type Clock } from '../../src/load/executors/clock.ts';
import { runLoad } from '../../src/load/run-load.ts';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

// The scheduler and its outputs read time only from the injected clock (k6's scheduler owns one clock too):
// a clock whose wall time is in 2031 shows up in the samples it emits and in the log lines.
describe('the run scheduler', () => {
  it('takes every main-thread time from the injected clock: the gauge samples and the log lines', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-clock-'));
    try {
      const shift = Date.UTC(2031, 0, 1) - Date.now();
      const clock: Clock = { ...realClock, wall: () => realClock.wall() + shift };
      const stderr = new Capture();
      const jsonOut = join(dir, 'points.ndjson');
      const result = await runLoad({
        script: fixture('runtime-diagnostics.js'),
        jsonOut,
        quiet: true,
        stdout: new Capture(),
        stderr,
        processEnv: {},
        clock,
      });
      assert.equal(result.exitCode, 0, stderr.text);
      const points = readFileSync(jsonOut, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { type: string; metric: string; data: { time: string } })
        .filter((p) => p.type === 'Point' && (p.metric === 'vus' || p.metric === 'vus_max'));
      assert.ok(points.length >= 2);
      for (const p of points)
        assert.ok(p.data.time.startsWith('2031-') || p.data.time.startsWith('2030-12-31'), p.data.time);
      const lines = stderr.text.split('\n').filter((l) => l.startsWith('time='));
      assert.ok(lines.length > 0);
      for (const l of lines) assert.match(l, /^time="(2031-|2030-12-31)/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
