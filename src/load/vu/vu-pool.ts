import type { Clock } from '../executors/clock.ts';
import type { LoopMode, ScenarioVus, VuHandle } from '../executors/vu-handle.ts';
import { GLOBAL_VUS_ACTIVE, GLOBAL_VUS_INITIALIZED, type ScenarioInfo, type Tags } from '../runtime/protocol.ts';
import { SharedVuThread } from './shared-vu-thread.ts';
import { WorkerVu, type VuHost } from './worker-vu.ts';
import type { Insertion } from '../script/mark-throw-sites.ts';

/** What the pool needs of a VU: a WorkerVu (a thread of its own) or a SharedThreadVu. */
type PoolVu = Pick<WorkerVu, 'id' | 'ready' | 'seenScenarios' | 'loop' | 'stop' | 'dead' | 'interrupt' | 'terminate'>;

/** The shared VU mode: the transformed script, its runtime and how many threads carry the VUs. */
export interface SharedVuConfig {
  code: string;
  script: string;
  insertions: Insertion[];
  threads: number;
}

export interface VuPoolConfig {
  code: string;
  script: string;
  scriptPath: string;
  env: Record<string, string>;
  global: SharedArrayBuffer;
  testStart: number;
  sourceMap?: string;
  insertions?: Insertion[];
  host: VuHost;
  clock: Clock;
  globalTags: Tags;
  options: Record<string, unknown>;
  /** Called with the count of busy VUs whenever it changes (the vus metric). */
  onActive: (active: number) => void;
  /** When set, VUs share a few threads (runtime/shared-vu-worker.ts) instead of one thread each. */
  shared?: SharedVuConfig;
}

/**
 * All VUs of a run. k6 initializes VUs before the test and reuses them across
 * scenarios; this pool does the same and initializes more on demand (arrival-rate
 * executors growing toward maxVUs).
 */
export class VuPool {
  private readonly all: PoolVu[] = [];
  private readonly idle: PoolVu[] = [];
  private threads: SharedVuThread[] = [];
  private active = 0;
  private nextId = 1;

  constructor(private readonly cfg: VuPoolConfig) {}

  get initialized(): number {
    return this.all.length;
  }

  /** Starts n more VUs in parallel; rejects with the first init error (the script's, exit 107). */
  async grow(n: number): Promise<void> {
    const fresh = Array.from({ length: n }, () => this.create());
    await Promise.all(fresh.map((vu) => vu.ready));
    this.idle.push(...fresh);
  }

  private create(id = this.nextId++): PoolVu {
    const { code, script, scriptPath, env, global, testStart, sourceMap, insertions, host, clock, shared } = this.cfg;
    let vu: PoolVu;
    if (shared) {
      vu = this.thread(shared).add(id);
    } else {
      const boot = { script, scriptPath, env, global, testStart, sourceMap, insertions };
      vu = new WorkerVu(id, code, boot, host, clock);
    }
    this.all.push(vu);
    Atomics.store(new Int32Array(global), GLOBAL_VUS_INITIALIZED, this.all.length);
    return vu;
  }

  /** The live thread with the fewest VUs, or a new one while there are fewer than `threads`. */
  private thread(shared: SharedVuConfig): SharedVuThread {
    this.threads = this.threads.filter((t) => !t.exited);
    if (this.threads.length < shared.threads) {
      const { scriptPath, env, global, testStart, sourceMap, insertions, host, clock } = this.cfg;
      const boot = {
        code: shared.script,
        scriptPath,
        env,
        global,
        testStart,
        sourceMap,
        insertions,
        asyncInsertions: shared.insertions,
      };
      const fresh = new SharedVuThread(shared.code, boot, host, clock);
      this.threads.push(fresh);
      return fresh;
    }
    return this.threads.reduce((a, b) => (b.vus.size < a.vus.size ? b : a));
  }

  /**
   * A VU whose worker was terminated (an iteration that ignored an interrupt, such as a busy loop)
   * is replaced by a fresh one with the same id: it runs the init context again, as a new VU would.
   */
  private async revive(dead: PoolVu): Promise<PoolVu> {
    const at = this.all.indexOf(dead);
    if (at !== -1) this.all.splice(at, 1);
    void dead.terminate();
    const fresh = this.create(dead.id);
    await fresh.ready;
    return fresh;
  }

  private async take(): Promise<PoolVu> {
    const vu = this.idle.pop();
    if (vu) return vu.dead ? this.revive(vu) : vu;
    const fresh = this.create();
    await fresh.ready;
    return fresh;
  }

  /** The VUs of one scenario: handles that carry the scenario, its setup data and iteration counter. */
  forScenario(scenario: ScenarioInfo, data: string | undefined): ScenarioVus {
    // [iterations started, iterations ended] of the scenario in every VU (exec.scenario, runtime/k6-execution.ts).
    const counter = new SharedArrayBuffer(8);
    const handles = new Map<VuHandle, PoolVu>();
    const activeCells = new Int32Array(this.cfg.global);
    return {
      acquire: async () => {
        let vu = await this.take();
        const handle: VuHandle = {
          id: vu.id,
          loop: async (mode: LoopMode) => {
            if (vu.dead) {
              vu = await this.revive(vu);
              handles.set(handle, vu);
            }
            this.active++;
            Atomics.store(activeCells, GLOBAL_VUS_ACTIVE, this.active);
            this.cfg.onActive(this.active);
            const first = !vu.seenScenarios.has(scenario.name);
            vu.seenScenarios.add(scenario.name);
            try {
              return await vu.loop({
                t: 'loop',
                mode,
                scenario,
                data: first ? data : undefined,
                counter,
                globalTags: this.cfg.globalTags,
                options: this.cfg.options,
              });
            } finally {
              this.active--;
              Atomics.store(activeCells, GLOBAL_VUS_ACTIVE, this.active);
              this.cfg.onActive(this.active);
            }
          },
          stop: () => vu.stop(),
          interrupt: () => vu.interrupt(),
        };
        handles.set(handle, vu);
        return handle;
      },
      release: (handle) => {
        const vu = handles.get(handle);
        if (!vu) return;
        handles.delete(handle);
        this.idle.push(vu);
      },
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.all.map((vu) => vu.terminate()), ...this.threads.map((t) => t.terminate())]);
  }
}
