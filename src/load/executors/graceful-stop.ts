import type { ExecutorContext, LoopOutcome, VuHandle } from './vu-handle.ts';

/**
 * Asks running VUs to finish their iteration and waits up to graceMs for them,
 * then interrupts the rest, as k6 does at the end of a scenario (gracefulStop)
 * and when ramping down (gracefulRampDown).
 */
export async function gracefulStop(
  running: Map<VuHandle, Promise<LoopOutcome>>,
  graceMs: number,
  ctx: ExecutorContext,
): Promise<void> {
  if (running.size === 0) return;
  for (const vu of running.keys()) vu.stop();
  const all = Promise.all(running.values());
  const cancel = new AbortController();
  const timedOut = await Promise.race([
    all.then(() => false),
    ctx.clock.sleep(ctx.signal.aborted ? 0 : graceMs, AbortSignal.any([cancel.signal, ctx.signal])).then(() => true),
  ]);
  cancel.abort();
  if (timedOut) for (const vu of running.keys()) vu.interrupt();
  await all;
}

/** Resolves at the clock time `at`, or early when the signal aborts. */
export function sleepUntil(ctx: ExecutorContext, at: number, signal: AbortSignal = ctx.signal): Promise<void> {
  return ctx.clock.sleep(at - ctx.clock.now(), signal);
}
