import type { Clock } from './clock.ts';

/**
 * How a VU picks its iterations: forever until stopped, a fixed count, a share of a
 * scenario-wide count (shared-iterations), or exactly one (arrival-rate executors).
 */
export type LoopMode =
  { kind: 'forever' } | { kind: 'count'; max: number } | { kind: 'shared'; total: number } | { kind: 'once' };

export interface LoopOutcome {
  iterations: number;
  interrupted: boolean;
}

/** A VU bound to one scenario. Executors only start, stop and interrupt loops. */
export interface VuHandle {
  readonly id: number;
  loop(mode: LoopMode): Promise<LoopOutcome>;
  /** Finish the current iteration, then leave the loop. */
  stop(): void;
  /** Abandon the current iteration now (after gracefulStop or gracefulRampDown). */
  interrupt(): void;
}

/** The VUs a scenario may use; acquire() initializes a new VU when none is idle. */
export interface ScenarioVus {
  acquire(): Promise<VuHandle>;
  release(vu: VuHandle): void;
}

export interface ExecutorContext {
  clock: Clock;
  vus: ScenarioVus;
  /** Aborts on exec.test.abort(), abortOnFail or Ctrl-C: executors interrupt their VUs and return. */
  signal: AbortSignal;
  /** Counts one dropped iteration (arrival-rate executors without a free VU). */
  dropped(): void;
}
