import type { ScenarioConfig } from '../options/scenario-config.ts';
import { gracefulStop, sleepUntil } from './graceful-stop.ts';
import { constantArrivalTimes, rampingArrivalTimes, rampingVusSteps } from './schedules.ts';
import type { ExecutorContext, LoopMode, LoopOutcome, VuHandle } from './vu-handle.ts';

/** Runs one scenario's executor from its start to its last VU leaving. */
export async function runExecutor(cfg: ScenarioConfig, ctx: ExecutorContext): Promise<void> {
  switch (cfg.executor) {
    case 'constant-vus':
      return loopFor(cfg.vus, { kind: 'forever' }, cfg.duration, cfg.gracefulStop, ctx);
    case 'per-vu-iterations':
      return loopFor(cfg.vus, { kind: 'count', max: cfg.iterations }, cfg.maxDuration, cfg.gracefulStop, ctx);
    case 'shared-iterations':
      return loopFor(cfg.vus, { kind: 'shared', total: cfg.iterations }, cfg.maxDuration, cfg.gracefulStop, ctx);
    case 'ramping-vus':
      return rampingVus(cfg, ctx);
    case 'constant-arrival-rate':
      return arrivalRate(constantArrivalTimes(cfg.rate, cfg.timeUnit, cfg.duration), cfg.duration, cfg, ctx);
    case 'ramping-arrival-rate': {
      const total = cfg.stages.reduce((sum, s) => sum + s.duration, 0);
      return arrivalRate(rampingArrivalTimes(cfg.startRate, cfg.timeUnit, cfg.stages), total, cfg, ctx);
    }
  }
}

/** constant-vus, per-vu-iterations and shared-iterations: n looping VUs, bounded by a duration. */
async function loopFor(n: number, mode: LoopMode, durationMs: number, graceMs: number, ctx: ExecutorContext) {
  const vus = await Promise.all(Array.from({ length: n }, () => ctx.vus.acquire()));
  const end = ctx.clock.now() + durationMs;
  const running = new Map<VuHandle, Promise<LoopOutcome>>();
  for (const vu of vus) running.set(vu, vu.loop(mode));
  const finished = new AbortController();
  void Promise.all(running.values()).then(() => finished.abort());
  await sleepUntil(ctx, end, AbortSignal.any([ctx.signal, finished.signal]));
  if (ctx.signal.aborted) for (const vu of vus) vu.interrupt();
  await gracefulStop(running, graceMs, ctx);
  for (const vu of vus) ctx.vus.release(vu);
}

async function rampingVus(cfg: Extract<ScenarioConfig, { executor: 'ramping-vus' }>, ctx: ExecutorContext) {
  const start = ctx.clock.now();
  const running = new Map<VuHandle, Promise<LoopOutcome>>();
  const order: VuHandle[] = [];
  const rampingDown: Promise<void>[] = [];
  for (const step of rampingVusSteps(cfg.startVUs, cfg.stages)) {
    await sleepUntil(ctx, start + step.at);
    if (ctx.signal.aborted) break;
    while (order.length < step.vus) {
      const vu = await ctx.vus.acquire();
      order.push(vu);
      running.set(vu, vu.loop({ kind: 'forever' }));
    }
    while (order.length > step.vus) {
      // The newest VUs leave first, as in k6; each gets gracefulRampDown to finish its iteration.
      const vu = order.pop() as VuHandle;
      const one = new Map([[vu, running.get(vu) as Promise<LoopOutcome>]]);
      running.delete(vu);
      rampingDown.push(gracefulStop(one, cfg.gracefulRampDown, ctx).then(() => ctx.vus.release(vu)));
    }
  }
  const total = cfg.stages.reduce((sum, s) => sum + s.duration, 0);
  await sleepUntil(ctx, start + total);
  if (ctx.signal.aborted) for (const vu of order) vu.interrupt();
  await gracefulStop(running, cfg.gracefulStop, ctx);
  for (const vu of order) ctx.vus.release(vu);
  await Promise.all(rampingDown);
}

/**
 * Arrival-rate executors start iterations on a clock, not when VUs free up. Without an
 * idle VU the iteration is dropped (dropped_iterations) and, below maxVUs, one more VU
 * is initialized in the background for later iterations, which is k6's behaviour.
 */
async function arrivalRate(
  times: Iterable<number>,
  durationMs: number,
  cfg: { preAllocatedVUs: number; maxVUs: number; gracefulStop: number },
  ctx: ExecutorContext,
) {
  const idle = await Promise.all(Array.from({ length: cfg.preAllocatedVUs }, () => ctx.vus.acquire()));
  const all = [...idle];
  let allocated = idle.length;
  const running = new Map<VuHandle, Promise<LoopOutcome>>();
  const start = ctx.clock.now();
  const growing: Promise<void>[] = [];
  const run = (vu: VuHandle): void => {
    running.set(
      vu,
      vu.loop({ kind: 'once' }).then((outcome) => {
        running.delete(vu);
        idle.push(vu);
        return outcome;
      }),
    );
  };
  for (const offset of times) {
    if (offset >= durationMs) break;
    if (ctx.clock.now() < start + offset) await sleepUntil(ctx, start + offset);
    if (ctx.signal.aborted) break;
    const vu = idle.pop();
    if (vu) {
      run(vu);
      continue;
    }
    ctx.dropped();
    if (allocated < cfg.maxVUs) {
      allocated++;
      growing.push(
        ctx.vus.acquire().then((fresh) => {
          all.push(fresh);
          idle.push(fresh);
        }),
      );
    }
  }
  await sleepUntil(ctx, start + durationMs);
  await Promise.all(growing);
  if (ctx.signal.aborted) for (const vu of running.keys()) vu.interrupt();
  await gracefulStop(new Map(running), cfg.gracefulStop, ctx);
  for (const vu of all) ctx.vus.release(vu);
}
