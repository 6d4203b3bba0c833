import type { Writable } from 'node:stream';
import type { Clock } from '../executors/clock.ts';
import { plannedDuration } from '../executors/planned-duration.ts';
import type { Metric } from '../metrics/metric-engine.ts';
import type { Tags } from '../metrics/metric-types.ts';
import type { ScenarioConfig } from '../options/scenario-config.ts';
import type { Output } from '../output/output.ts';

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

function progressOf(s: ScenarioConfig): ScenarioProgress {
  const plannedIterations =
    s.executor === 'shared-iterations' ? s.iterations : s.executor === 'per-vu-iterations' ? s.iterations * s.vus : 0;
  const common = { startedAt: undefined, finished: false, iterations: 0 };
  return { name: s.name, executor: s.executor, plannedMs: plannedDuration(s), plannedIterations, ...common };
}

/**
 * Live progress on stderr, one line per scenario: redrawn in place on a TTY,
 * plain lines every few seconds otherwise (CI logs), as the house rules ask.
 */
export class ProgressReporter implements Output {
  private readonly scenarios: ScenarioProgress[];
  private readonly byName: Map<string, ScenarioProgress>;
  private readonly stopped = new AbortController();
  private drawn = 0;

  constructor(
    private readonly out: Writable & { isTTY?: boolean },
    scenarios: readonly ScenarioConfig[],
    private readonly vus: () => number,
    private readonly clock: Clock,
  ) {
    this.scenarios = scenarios.map(progressOf);
    this.byName = new Map(this.scenarios.map((p) => [p.name, p]));
  }

  start(): void {
    const every = this.out.isTTY ? 500 : 5000;
    void (async () => {
      for (;;) {
        await this.clock.sleep(every, this.stopped.signal);
        if (this.stopped.signal.aborted) return;
        this.draw();
      }
    })();
  }

  sample = (metric: Metric, _value: number, tags: Tags): void => {
    if (metric.name !== 'iterations') return;
    const p = this.byName.get(tags.scenario ?? '');
    if (p) p.iterations++;
  };

  scenarioStarted(name: string): void {
    const p = this.byName.get(name);
    if (p) p.startedAt = this.clock.now();
  }

  scenarioFinished(name: string): void {
    const p = this.byName.get(name);
    if (p) p.finished = true;
  }

  line(s: ScenarioProgress): string {
    const elapsed = s.startedAt === undefined ? 0 : this.clock.now() - s.startedAt;
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
    if (this.stopped.signal.aborted) return;
    this.stopped.abort();
    this.draw(true);
  }
}
