import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runExecutor } from '../../src/load/executors/run-executor.ts';
import {
  constantArrivalTimes,
  rampingArrivalTimes,
  rampingVusAt,
  rampingVusSteps,
} from '../../src/load/executors/schedules.ts';
import type { ScenarioConfig } from '../../src/load/options/scenario-config.ts';
import { FakeClock } from './helpers/fake-clock.ts';
import { FakeVus } from './helpers/fake-vus.ts';

const base = { name: 's', startTime: 0, gracefulStop: 30_000, exec: 'default', env: {}, tags: {} };

async function simulate(cfg: ScenarioConfig, iterationMs: number, until: number, abortAt?: number) {
  const clock = new FakeClock();
  const vus = new FakeVus(clock, iterationMs);
  const controller = new AbortController();
  let dropped = 0;
  let done = false;
  const run = runExecutor(cfg, { clock, vus, signal: controller.signal, dropped: () => dropped++ }).then(() => {
    done = true;
  });
  if (abortAt !== undefined) {
    await clock.advanceTo(abortAt);
    controller.abort();
  }
  await clock.advanceTo(until);
  await run;
  return { vus, dropped, done, endedAt: clock.now() };
}

describe('executor schedules (pure)', () => {
  it('ramps VUs one step per integer crossing, truncating toward the stage start', () => {
    const stages = [
      { duration: 1000, target: 4 },
      { duration: 500, target: 4 },
      { duration: 1000, target: 0 },
    ];
    assert.deepEqual(rampingVusSteps(0, stages), [
      { at: 0, vus: 0 },
      { at: 250, vus: 1 },
      { at: 500, vus: 2 },
      { at: 750, vus: 3 },
      { at: 1000, vus: 4 },
      { at: 1750, vus: 3 },
      { at: 2000, vus: 2 },
      { at: 2250, vus: 1 },
      { at: 2500, vus: 0 },
    ]);
    assert.equal(rampingVusAt(0, stages, 600), 2);
    assert.equal(rampingVusAt(0, stages, 1900), 3);
  });

  it('spaces constant-arrival-rate starts evenly from t=0', () => {
    assert.deepEqual([...constantArrivalTimes(4, 1000, 1000)], [0, 250, 500, 750]);
    assert.equal([...constantArrivalTimes(30, 60_000, 120_000)].length, 60);
  });

  it('integrates a linear rate for ramping-arrival-rate', () => {
    // 0 → 10/s over 2 s: 10 iterations; the i-th starts where 2.5·t² = i.
    const times = [...rampingArrivalTimes(0, 1000, [{ duration: 2000, target: 10 }])];
    assert.equal(times.length, 10);
    times.forEach((t, i) => assert.ok(Math.abs(t - Math.sqrt(i / 2.5) * 1000) < 1e-6, `start ${i} at ${t}`));
    // A flat stage then a constant one: 5/s for 1 s, then 5/s for 1 s = 10 evenly spaced.
    const flat = [
      ...rampingArrivalTimes(5, 1000, [
        { duration: 1000, target: 5 },
        { duration: 1000, target: 5 },
      ]),
    ];
    assert.deepEqual(
      flat.map((t) => Math.round(t)),
      [0, 200, 400, 600, 800, 1000, 1200, 1400, 1600, 1800],
    );
  });
});

describe('executors on a fake clock', () => {
  it('constant-vus keeps N VUs looping for the duration', async () => {
    const { vus, endedAt } = await simulate({ ...base, executor: 'constant-vus', vus: 3, duration: 1000 }, 100, 5000);
    assert.equal(vus.activeAt(500), 3);
    assert.equal(vus.starts.length, 30);
    assert.ok(vus.starts.every((s) => s.at < 1000));
    assert.equal(endedAt, 5000);
    assert.equal(vus.activeAt(1000), 0);
  });

  it('per-vu-iterations runs exactly N iterations on each VU', async () => {
    const { vus } = await simulate(
      { ...base, executor: 'per-vu-iterations', vus: 2, iterations: 3, maxDuration: 60_000 },
      50,
      1000,
    );
    assert.deepEqual(vus.starts.map((s) => `${s.vu}@${s.at}`).sort(), ['1@0', '1@100', '1@50', '2@0', '2@100', '2@50']);
  });

  it('shared-iterations splits a total between VUs', async () => {
    const { vus } = await simulate(
      { ...base, executor: 'shared-iterations', vus: 3, iterations: 7, maxDuration: 60_000 },
      100,
      2000,
    );
    assert.equal(vus.starts.length, 7);
    assert.deepEqual(
      vus.starts.map((s) => s.at).sort((a, b) => a - b),
      [0, 0, 0, 100, 100, 100, 200],
    );
  });

  it('stops iteration executors at maxDuration, then interrupts after gracefulStop', async () => {
    const cfg: ScenarioConfig = {
      ...base,
      gracefulStop: 200,
      executor: 'per-vu-iterations',
      vus: 1,
      iterations: 100,
      maxDuration: 1000,
    };
    const { vus, endedAt } = await simulate(cfg, 700, 5000);
    // Starts at 0 and 700; at 1000 it is asked to stop; the iteration started at 700 ends at 1400 > 1200, so it is interrupted.
    assert.deepEqual(
      vus.starts.map((s) => s.at),
      [0, 700],
    );
    assert.equal(vus.activeLog[vus.activeLog.length - 1].at, 1200);
    assert.equal(endedAt, 5000);
  });

  it('ramping-vus follows its stages and ramps down gracefully', async () => {
    const cfg: ScenarioConfig = {
      ...base,
      executor: 'ramping-vus',
      startVUs: 0,
      stages: [
        { duration: 1000, target: 4 },
        { duration: 1000, target: 4 },
        { duration: 1000, target: 0 },
      ],
      gracefulRampDown: 0,
    };
    const { vus } = await simulate(cfg, 10, 4000);
    for (const [t, n] of [
      [100, 0],
      [300, 1],
      [600, 2],
      [900, 3],
      [1500, 4],
      [2300, 3],
      [2600, 2],
      [2800, 1],
    ] as const) {
      assert.equal(vus.activeAt(t), n, `VUs at ${t} ms`);
    }
    assert.equal(vus.activeAt(3100), 0);
  });

  it('constant-arrival-rate starts iterations on schedule and drops them without a free VU', async () => {
    // 10/s for 1 s, iterations take 250 ms: 3 pre-allocated VUs can serve every start.
    const ok = await simulate(
      {
        ...base,
        executor: 'constant-arrival-rate',
        rate: 10,
        timeUnit: 1000,
        duration: 1000,
        preAllocatedVUs: 3,
        maxVUs: 3,
      },
      250,
      3000,
    );
    assert.deepEqual(
      ok.vus.starts.map((s) => s.at),
      [0, 100, 200, 300, 400, 500, 600, 700, 800, 900],
    );
    assert.equal(ok.dropped, 0);
    // With 1 VU and no room to grow, 3 of every 4 starts are dropped.
    const short = await simulate(
      {
        ...base,
        executor: 'constant-arrival-rate',
        rate: 10,
        timeUnit: 1000,
        duration: 1000,
        preAllocatedVUs: 1,
        maxVUs: 1,
      },
      350,
      3000,
    );
    assert.deepEqual(
      short.vus.starts.map((s) => s.at),
      [0, 400, 800],
    );
    assert.equal(short.dropped, 7);
  });

  it('constant-arrival-rate grows toward maxVUs after a drop', async () => {
    const r = await simulate(
      {
        ...base,
        executor: 'constant-arrival-rate',
        rate: 10,
        timeUnit: 1000,
        duration: 1000,
        preAllocatedVUs: 1,
        maxVUs: 4,
      },
      350,
      3000,
    );
    assert.equal(r.vus.acquired, 4);
    assert.ok(r.dropped >= 1 && r.dropped <= 3, `dropped ${r.dropped}`);
    assert.equal(r.vus.starts.length + r.dropped, 10);
  });

  it('ramping-arrival-rate follows the integrated rate', async () => {
    const r = await simulate(
      {
        ...base,
        executor: 'ramping-arrival-rate',
        startRate: 0,
        timeUnit: 1000,
        stages: [{ duration: 2000, target: 10 }],
        preAllocatedVUs: 5,
        maxVUs: 5,
      },
      10,
      3000,
    );
    assert.equal(r.vus.starts.length, 10);
    assert.ok(Math.abs(r.vus.starts[4].at - Math.sqrt(4 / 2.5) * 1000) < 1e-6);
  });

  it('returns promptly when the run is aborted', async () => {
    const r = await simulate({ ...base, executor: 'constant-vus', vus: 2, duration: 60_000 }, 100, 700, 450);
    assert.ok(r.done);
    assert.ok(r.vus.starts.every((s) => s.at <= 400));
    assert.equal(r.vus.activeAt(450), 0);
  });
});
