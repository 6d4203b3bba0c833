import type { Clock } from '../../../src/load/executors/clock.ts';

interface Timer {
  at: number;
  seq: number;
  fire: () => void;
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A manual clock: time moves only in advance(), firing timers in order and letting promises settle between them. */
export class FakeClock implements Clock {
  private t = 0;
  private seq = 0;
  private timers: Timer[] = [];

  now(): number {
    return this.t;
  }

  /** Wall time: a fixed epoch plus the fake time. */
  wall(): number {
    return Date.UTC(2025, 0, 1) + this.t;
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (ms <= 0 || signal?.aborted) return Promise.resolve();
    return new Promise((resolve) => {
      const timer: Timer = { at: this.t + ms, seq: this.seq++, fire: resolve };
      this.timers.push(timer);
      signal?.addEventListener(
        'abort',
        () => {
          this.timers = this.timers.filter((x) => x !== timer);
          resolve();
        },
        { once: true },
      );
    });
  }

  async advanceTo(target: number): Promise<void> {
    for (;;) {
      await settle();
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.timers[0];
      if (!next || next.at > target) break;
      this.timers.shift();
      this.t = next.at;
      next.fire();
    }
    this.t = target;
    await settle();
  }
}
