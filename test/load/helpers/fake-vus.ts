import type { Clock } from '../../../src/load/executors/clock.ts';
import type { LoopMode, LoopOutcome, ScenarioVus, VuHandle } from '../../../src/load/executors/vu-handle.ts';

export interface IterationStart {
  vu: number;
  at: number;
}

/**
 * VUs whose iterations take a fixed time on the fake clock; they record every
 * iteration start and the busy-VU count over time.
 */
export class FakeVus implements ScenarioVus {
  readonly starts: IterationStart[] = [];
  readonly activeLog: { at: number; active: number }[] = [];
  acquired = 0;
  private active = 0;
  private nextId = 1;
  private shared = 0;
  private readonly idle: VuHandle[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly iterationMs: number,
  ) {}

  private setActive(delta: number): void {
    this.active += delta;
    this.activeLog.push({ at: this.clock.now(), active: this.active });
  }

  activeAt(t: number): number {
    let n = 0;
    for (const e of this.activeLog) if (e.at <= t) n = e.active;
    return n;
  }

  async acquire(): Promise<VuHandle> {
    const reused = this.idle.pop();
    if (reused) return reused;
    this.acquired++;
    const id = this.nextId++;
    let state: 'run' | 'stop' | 'interrupt' = 'run';
    let wake: AbortController | undefined;
    // Read through a function: stop() and interrupt() change it while the loop awaits.
    const current = () => state;
    const vu: VuHandle = {
      id,
      loop: async (mode: LoopMode): Promise<LoopOutcome> => {
        state = 'run';
        this.setActive(1);
        let n = 0;
        let interrupted = false;
        for (;;) {
          if (current() !== 'run') break;
          if ((mode.kind === 'count' && n >= mode.max) || (mode.kind === 'once' && n >= 1)) break;
          if (mode.kind === 'shared' && this.shared++ >= mode.total) break;
          n++;
          this.starts.push({ vu: id, at: this.clock.now() });
          wake = new AbortController();
          await this.clock.sleep(this.iterationMs, wake.signal);
          if (current() === 'interrupt') {
            interrupted = true;
            break;
          }
        }
        this.setActive(-1);
        return { iterations: n, interrupted };
      },
      stop: () => {
        if (state === 'run') state = 'stop';
      },
      interrupt: () => {
        state = 'interrupt';
        wake?.abort();
      },
    };
    return vu;
  }

  release(vu: VuHandle): void {
    this.idle.push(vu);
  }
}
