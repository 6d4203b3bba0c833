import { MessageChannel, Worker } from 'node:worker_threads';
import { realClock, type Clock } from '../executors/clock.ts';
import type { LoopOutcome } from '../executors/vu-handle.ts';
import {
  CELL_SIGNAL,
  CELL_STATE,
  INTERRUPT,
  RUN,
  STOP,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type MainToWorker,
  type Tags,
  type WorkerBoot,
  type WorkerToMain,
} from '../runtime/protocol.ts';
import { SampleBatchReader } from '../runtime/sample-batch.ts';

/** What a VU worker asks of the run: HTTP, metric samples, logs and aborts. */
export interface VuHost {
  request(req: HttpRequestMessage): Promise<HttpResponseMessage>;
  /** One sample of a worker's batch (runtime/sample-batch.ts), in the order the worker recorded them. */
  sample(name: string, value: number, tags: Tags, time: number): void;
  metric(def: Extract<WorkerToMain, { t: 'metric' }>): void;
  log(vuId: number, level: 'info' | 'warn' | 'error' | 'debug', message: string, fields?: Record<string, string>): void;
  abort(reason: string): void;
  /** exec.test.fail(): the test goes on, and fails at the end. */
  markFailed(): void;
  /** A worker died outside any iteration (out of memory, a bug): the run must stop. */
  crash(vuId: number, error: Error): void;
}

/**
 * How long an interrupted VU may take to leave its iteration before its worker is terminated. A VU
 * blocked in sleep() or a request wakes at once, and one awaiting timers or promises on the next
 * turn of its event loop; only synchronous code (a `while (true) {}`) needs the terminate, which
 * stops any JavaScript, as k6 interrupts its VM.
 */
export const INTERRUPT_GRACE_MS = 500;

export interface VuReady {
  options: Record<string, unknown>;
  exports: string[];
}

/** One VU: a worker thread running the script, and the main-thread end of its channels. */
export class WorkerVu {
  readonly ready: Promise<VuReady>;
  private readonly worker: Worker;
  private readonly control: Int32Array;
  private readonly syncPort: MessageChannel['port1'];
  private readonly asyncPort: MessageChannel['port1'];
  private onIdle?: (o: LoopOutcome) => void;
  private onResult?: (r: { ok: true; value: unknown } | { ok: false; message: string }) => void;
  /** Scenarios whose setup data this worker already holds. */
  readonly seenScenarios = new Set<string>();
  private exited = false;
  private killTimer: AbortController | undefined;
  private readonly sampleReader = new SampleBatchReader();

  constructor(
    readonly id: number,
    code: string,
    boot: Omit<WorkerBoot, 'vuId' | 'control' | 'syncPort' | 'asyncPort' | 'code'> & { script: string },
    private readonly host: VuHost,
    private readonly clock: Clock = realClock,
  ) {
    const sab = new SharedArrayBuffer(8);
    this.control = new Int32Array(sab);
    const sync = new MessageChannel();
    const async = new MessageChannel();
    this.syncPort = sync.port1;
    this.asyncPort = async.port1;
    const data: WorkerBoot = {
      vuId: id,
      code: boot.script,
      scriptPath: boot.scriptPath,
      env: boot.env,
      control: sab,
      global: boot.global,
      syncPort: sync.port2,
      asyncPort: async.port2,
      testStart: boot.testStart,
      sourceMap: boot.sourceMap,
      insertions: boot.insertions,
    };
    this.worker = new Worker(code, {
      eval: true,
      workerData: data,
      transferList: [sync.port2, async.port2],
      // The worker's own stdout/stderr are not used: console goes through messages.
      stdout: false,
      stderr: false,
    });
    this.ready = new Promise((resolve, reject) => {
      this.worker.on('message', (m: WorkerToMain) => {
        if (m.t === 'ready') resolve({ options: m.options, exports: m.exports });
        else if (m.t === 'init-error') reject(new Error(m.message));
        else this.dispatch(m);
      });
      this.worker.on('error', (e) => {
        reject(e);
        this.host.crash(this.id, e);
      });
      this.worker.on('exit', () => {
        this.exited = true;
        this.killTimer?.abort();
        this.onIdle?.({ iterations: 0, interrupted: true });
        this.onResult?.({ ok: false, message: 'the VU worker exited' });
      });
    });
    // A rejected ready is reported through whoever awaits it; this only avoids an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  private dispatch(m: WorkerToMain): void {
    switch (m.t) {
      case 'req':
        void this.host.request(m).then((res) => this.reply(m.sync, res));
        return;
      case 'samples':
        this.sampleReader.read(m.s, this.host.sample);
        return;
      case 'metric':
        this.host.metric(m);
        return;
      case 'log':
        this.host.log(this.id, m.level, m.message, m.fields);
        return;
      case 'abort':
        this.host.abort(m.reason);
        return;
      case 'mark-failed':
        this.host.markFailed();
        return;
      case 'idle': {
        this.killTimer?.abort();
        const done = this.onIdle;
        this.onIdle = undefined;
        done?.({ iterations: m.iterations, interrupted: m.interrupted });
        return;
      }
      case 'result': {
        this.killTimer?.abort();
        const done = this.onResult;
        this.onResult = undefined;
        done?.(m.ok ? { ok: true, value: m.value } : { ok: false, message: m.message });
        return;
      }
    }
  }

  /** Sync replies wake the VU blocked in Atomics.wait; the message is queued before the notify. */
  private reply(sync: boolean, res: HttpResponseMessage): void {
    if (this.exited) return;
    if (!sync) {
      this.asyncPort.postMessage(res);
      return;
    }
    this.syncPort.postMessage(res);
    Atomics.add(this.control, CELL_SIGNAL, 1);
    Atomics.notify(this.control, CELL_SIGNAL);
  }

  loop(msg: Extract<MainToWorker, { t: 'loop' }>): Promise<LoopOutcome> {
    if (this.exited) return Promise.resolve({ iterations: 0, interrupted: true });
    Atomics.store(this.control, CELL_STATE, RUN);
    return new Promise((resolve) => {
      this.onIdle = resolve;
      this.worker.postMessage(msg);
    });
  }

  call(
    msg: Extract<MainToWorker, { t: 'call' }>,
  ): Promise<{ ok: true; value: unknown } | { ok: false; message: string }> {
    Atomics.store(this.control, CELL_STATE, RUN);
    return new Promise((resolve) => {
      this.onResult = resolve;
      this.worker.postMessage(msg);
    });
  }

  stop(): void {
    Atomics.compareExchange(this.control, CELL_STATE, RUN, STOP);
  }

  /** A worker that was terminated (or died): the pool replaces it before its next use. */
  get dead(): boolean {
    return this.exited;
  }

  /** Ends the running iteration or call now: see INTERRUPT_GRACE_MS. */
  interrupt(): void {
    Atomics.store(this.control, CELL_STATE, INTERRUPT);
    Atomics.add(this.control, CELL_SIGNAL, 1);
    Atomics.notify(this.control, CELL_SIGNAL);
    if (this.exited || (!this.onIdle && !this.onResult) || this.killTimer) return;
    this.worker.postMessage({ t: 'interrupt' } satisfies MainToWorker);
    const timer = new AbortController();
    this.killTimer = timer;
    void this.clock.sleep(INTERRUPT_GRACE_MS, timer.signal).then(() => {
      if (this.killTimer === timer) this.killTimer = undefined;
      if (!timer.signal.aborted && (this.onIdle || this.onResult)) void this.worker.terminate();
    });
  }

  async terminate(): Promise<void> {
    this.syncPort.close();
    this.asyncPort.close();
    await this.worker.terminate();
  }
}
