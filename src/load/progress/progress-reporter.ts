import type { Writable } from 'node:stream';

export interface ScenarioProgress {
  name: string;
  executor: string;
  /** Planned length in ms (0 if unknown). */
  plannedMs: number;
  /** Planned iterations (0 if time-based). */
  plannedIterations: number;
  startedAt: number | undefined;
  finished: boolean;
  iterations: number;
}

const BAR = 20;

/**
 * Live progress on stderr, one line per scenario: redrawn in place on a TTY,
 * plain lines every few seconds otherwise (CI logs), as the house rules ask.
 */
export class ProgressReporter {
  private timer: NodeJS.Timeout | undefined;
  private drawn = 0;

  constructor(
    private readonly out: Writable & { isTTY?: boolean },
    private readonly scenarios: ScenarioProgress[],
    private readonly vus: () => number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  start(): void {
    const every = this.out.isTTY ? 500 : 5000;
    this.timer = setInterval(() => this.draw(), every);
    this.timer.unref();
  }

  line(s: ScenarioProgress): string {
    const elapsed = s.startedAt === undefined ? 0 : this.now() - s.startedAt;
    let share: number;
    if (s.finished) share = 1;
    else if (s.plannedIterations > 0) share = Math.min(1, s.iterations / s.plannedIterations);
    else share = s.plannedMs > 0 ? Math.min(1, elapsed / s.plannedMs) : 0;
    const filled = Math.round(share * BAR);
    const bar = `${'='.repeat(filled)}${filled < BAR ? '>' : ''}${'-'.repeat(Math.max(0, BAR - filled - 1))}`;
    const state = s.startedAt === undefined ? 'waiting' : s.finished ? 'done' : 'running';
    const plan = s.plannedIterations > 0 ? `${s.iterations}/${s.plannedIterations} iters` : `${s.iterations} iters`;
    return `${s.name.padEnd(12)} [${bar}] ${String(Math.floor(share * 100)).padStart(3)}% ${state.padEnd(7)} ${(elapsed / 1000).toFixed(1)}s ${plan} (${s.executor})`;
  }

  draw(final = false): void {
    const lines = [`running: ${this.vus()} VUs active`, ...this.scenarios.map((s) => this.line(s))];
    if (this.out.isTTY) {
      const up = this.drawn ? `\x1b[${this.drawn}A` : '';
      this.out.write(`${up}${lines.map((l) => `\x1b[2K${l}`).join('\n')}\n`);
      this.drawn = lines.length;
    } else if (!final || this.drawn === 0) {
      this.out.write(`${lines.join('\n')}\n`);
      this.drawn = lines.length;
    } else {
      this.out.write(`${lines.slice(1).join('\n')}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.draw(true);
  }
}
