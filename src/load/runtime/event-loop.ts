import { InterruptSignal } from './signals.ts';

type Callback = (...args: unknown[]) => unknown;

// Node's own timers, captured before the script's globals are replaced, so the runtime's
// bookkeeping never counts as the script's pending work.
const nodeSetTimeout = globalThis.setTimeout;
const nodeClearTimeout = globalThis.clearTimeout;
const nodeSetImmediate = globalThis.setImmediate;

/**
 * The VU's event loop as k6 runs it: a call (an iteration, setup(), teardown()) is over only when
 * every timer it started has fired or been cleared and every async operation it started
 * (asyncRequest…) has settled; an exception in a timer callback or an unhandled rejection ends
 * it with that error. https://grafana.com/docs/k6/latest/javascript-api/k6-timers/ and
 * k6's js/eventloop ("it will wait to return … until nothing is registered that it will run in the future").
 * Timer ids are numbers, as in k6.
 */
export class EventLoop {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private nextId = 1;
  private held = 0;
  /** Bumped by reset(), so a late release from an abandoned call cannot count against the next one. */
  private generation = 0;
  private failure: { error: unknown } | undefined;
  private readonly teardowns = new Set<() => void>();
  private wake: (() => void) | undefined;

  readonly setTimeout = (cb: Callback, ms?: number, ...args: unknown[]): number => this.schedule(cb, ms, args, false);

  readonly setInterval = (cb: Callback, ms?: number, ...args: unknown[]): number => this.schedule(cb, ms, args, true);

  readonly clearTimeout = (id?: unknown): void => {
    const timer = this.timers.get(Number(id));
    if (!timer) return;
    nodeClearTimeout(timer);
    this.timers.delete(Number(id));
    this.poke();
  };

  readonly clearInterval = this.clearTimeout;

  private schedule(cb: Callback, ms: number | undefined, args: unknown[], repeat: boolean): number {
    if (typeof cb !== 'function') throw new TypeError('setTimeout/setInterval need a function');
    const id = this.nextId++;
    const delay = Math.max(0, Number(ms) || 0);
    const fire = (): void => {
      if (!this.timers.has(id)) return;
      if (repeat) this.timers.set(id, nodeSetTimeout(fire, delay));
      else this.timers.delete(id);
      try {
        cb(...args);
      } catch (e) {
        this.fail(e);
      }
      this.poke();
    };
    this.timers.set(id, nodeSetTimeout(fire, delay));
    return id;
  }

  /** Registers an async operation that the current call must wait for; returns its release. */
  hold(): () => void {
    this.held++;
    const generation = this.generation;
    let released = false;
    return () => {
      if (released || generation !== this.generation) return;
      released = true;
      this.held--;
      this.poke();
    };
  }

  /**
   * Registers what to tear down if the call ends before the operation does: a WebSocket an interrupted or
   * failed iteration left open must not outlive it. Returns the unregistration, for an operation that ends.
   */
  onReset(teardown: () => void): () => void {
    this.teardowns.add(teardown);
    return () => this.teardowns.delete(teardown);
  }

  /** An uncaught error of the current call (a timer callback, an unhandled rejection). */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.poke();
  }

  /** Wakes a waiting settle() at once with an InterruptSignal (gracefulStop, abort, Ctrl-C). */
  interrupt(): void {
    this.fail(new InterruptSignal());
  }

  get pending(): number {
    return this.timers.size + this.held;
  }

  /**
   * Waits until nothing is pending, `main` (an async function's promise) included; its rejection is
   * the call's error. A macrotask turn between checks lets every queued promise reaction run first,
   * so promise chains started by the call finish inside it too.
   */
  async settle(main?: Promise<unknown>): Promise<void> {
    if (main) {
      const release = this.hold();
      main.then(release, (e: unknown) => {
        this.fail(e);
        release();
      });
    }
    for (;;) {
      await new Promise<void>((resolve) => nodeSetImmediate(resolve));
      if (this.failure) break;
      if (this.pending === 0) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
      this.wake = undefined;
    }
    const { error } = this.failure;
    this.reset();
    throw error;
  }

  /** Drops whatever the last call left behind: its timers, holds and error. */
  reset(): void {
    for (const timer of this.timers.values()) nodeClearTimeout(timer);
    this.timers.clear();
    this.held = 0;
    this.generation++;
    const teardowns = [...this.teardowns];
    this.teardowns.clear();
    for (const teardown of teardowns) teardown();
    this.failure = undefined;
  }

  private poke(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
