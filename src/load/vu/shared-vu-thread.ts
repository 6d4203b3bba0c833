import { MessageChannel, Worker } from 'node:worker_threads';
import { realClock, type Clock } from '../executors/clock.ts';
import type { LoopOutcome } from '../executors/vu-handle.ts';
import {
  CELL_SIGNAL,
  CELL_STATE,
  INTERRUPT,
  RUN,
  STOP,
  type HttpResponseMessage,
  type MainToWorker,
  type SharedMainToWorker,
  type SharedWorkerBoot,
  type WorkerToMain,
} from '../runtime/protocol.ts';
import { SampleBatchReader } from '../runtime/sample-batch.ts';
import { INTERRUPT_GRACE_MS, type VuHost, type VuReady } from './worker-vu.ts';
import { bootWithGc } from './boot-with-gc.ts';

export type SharedThreadBoot = Omit<SharedWorkerBoot, 'syncPort' | 'asyncPort'>;

/**
 * One thread that runs several VUs (runtime/shared-vu-worker.ts), and the main-thread end of its
 * channels. Its VUs are SharedThreadVu handles; a request names its VU, and a reply to a blocking
 * request wakes that VU's control cell, as for a VU of its own thread.
 */
export class SharedVuThread {
  private readonly worker: Worker;
  private readonly syncPort: MessageChannel['port1'];
  private readonly asyncPort: MessageChannel['port1'];
  readonly vus = new Map<number, SharedThreadVu>();
  exited = false;
  private readonly sampleReader = new SampleBatchReader();

  constructor(
    code: string,
    boot: SharedThreadBoot,
    private readonly host: VuHost,
    readonly clock: Clock = realClock,
  ) {
    const sync = new MessageChannel();
    const async = new MessageChannel();
    this.syncPort = sync.port1;
    this.asyncPort = async.port1;
    const data: SharedWorkerBoot = { ...boot, syncPort: sync.port2, asyncPort: async.port2 };
    // Booted with V8's gc at hand: the thread collects its VUs' init garbage before their first start.
    this.worker = bootWithGc(
      () =>
        new Worker(code, {
          eval: true,
          workerData: data,
          transferList: [sync.port2, async.port2],
          stdout: false,
          stderr: false,
        }),
    );
    this.worker.on('message', (m: WorkerToMain & { vu?: number }) => {
      if (m.t === 'samples') {
        this.sampleReader.read(m.s, this.host.sample);
        return;
      }
      const vu = m.vu === undefined ? undefined : this.vus.get(m.vu);
      if (m.t === 'req') {
        void this.host.request(m).then((res) => this.reply(vu, m.sync, res));
        return;
      }
      if (m.t === 'log') {
        this.host.log(m.vu ?? 0, m.level, m.message, m.fields);
        return;
      }
      vu?.dispatch(m);
    });
    this.worker.on('error', (e) => {
      for (const vu of this.vus.values()) vu.fail(e);
      const first = this.vus.keys().next();
      this.host.crash(first.done ? 0 : first.value, e);
    });
    this.worker.on('exit', () => {
      this.exited = true;
      for (const vu of this.vus.values()) vu.exit();
    });
  }

  private reply(vu: SharedThreadVu | undefined, sync: boolean, res: HttpResponseMessage): void {
    if (this.exited) return;
    if (!sync) {
      this.asyncPort.postMessage(res);
      return;
    }
    this.syncPort.postMessage(res);
    vu?.wake();
  }

  dispatchHost(m: WorkerToMain): void {
    if (m.t === 'metric') this.host.metric(m);
    else if (m.t === 'abort') this.host.abort(m.reason);
    else if (m.t === 'mark-failed') this.host.markFailed();
  }

  post(msg: SharedMainToWorker): void {
    if (!this.exited) this.worker.postMessage(msg);
  }

  add(id: number): SharedThreadVu {
    const vu = new SharedThreadVu(id, this);
    this.vus.set(id, vu);
    return vu;
  }

  remove(vu: SharedThreadVu): void {
    if (this.vus.get(vu.id) !== vu) return;
    this.vus.delete(vu.id);
    this.post({ t: 'remove', vu: vu.id });
  }

  /** A VU stuck in synchronous code holds the whole thread: ending it ends the thread's other VUs too. */
  kill(): void {
    void this.worker.terminate();
  }

  async terminate(): Promise<void> {
    this.syncPort.close();
    this.asyncPort.close();
    await this.worker.terminate();
  }
}

/** A VU in a SharedVuThread, with the interface of WorkerVu that the pool uses. */
export class SharedThreadVu {
  readonly ready: Promise<VuReady>;
  readonly seenScenarios = new Set<string>();
  private readonly control: Int32Array;
  private onReady?: { resolve: (r: VuReady) => void; reject: (e: Error) => void };
  private onIdle?: (o: LoopOutcome) => void;
  private killTimer: AbortController | undefined;
  private exited = false;

  constructor(
    readonly id: number,
    private readonly thread: SharedVuThread,
  ) {
    const sab = new SharedArrayBuffer(8);
    this.control = new Int32Array(sab);
    this.ready = new Promise((resolve, reject) => (this.onReady = { resolve, reject }));
    this.ready.catch(() => undefined);
    thread.post({ t: 'add', vu: id, control: sab });
  }

  dispatch(m: WorkerToMain): void {
    switch (m.t) {
      case 'ready':
        this.onReady?.resolve({ options: m.options, exports: m.exports });
        return;
      case 'init-error':
        this.onReady?.reject(new Error(m.message));
        return;
      case 'idle': {
        this.killTimer?.abort();
        const done = this.onIdle;
        this.onIdle = undefined;
        done?.({ iterations: m.iterations, interrupted: m.interrupted });
        return;
      }
      default:
        this.thread.dispatchHost(m);
    }
  }

  fail(e: Error): void {
    this.onReady?.reject(e);
  }

  exit(): void {
    this.exited = true;
    this.killTimer?.abort();
    this.onReady?.reject(new Error('the VU thread exited'));
    this.onIdle?.({ iterations: 0, interrupted: true });
    this.onIdle = undefined;
  }

  wake(): void {
    Atomics.add(this.control, CELL_SIGNAL, 1);
    Atomics.notify(this.control, CELL_SIGNAL);
  }

  loop(msg: Extract<MainToWorker, { t: 'loop' }>): Promise<LoopOutcome> {
    if (this.exited) return Promise.resolve({ iterations: 0, interrupted: true });
    Atomics.store(this.control, CELL_STATE, RUN);
    return new Promise((resolve) => {
      this.onIdle = resolve;
      this.thread.post({ ...msg, vu: this.id });
    });
  }

  stop(): void {
    Atomics.compareExchange(this.control, CELL_STATE, RUN, STOP);
  }

  get dead(): boolean {
    return this.exited;
  }

  /** Ends the running iteration now; one stuck in synchronous code ends with its whole thread. */
  interrupt(): void {
    Atomics.store(this.control, CELL_STATE, INTERRUPT);
    this.wake();
    if (this.exited || !this.onIdle || this.killTimer) return;
    this.thread.post({ t: 'interrupt', vu: this.id });
    const timer = new AbortController();
    this.killTimer = timer;
    void this.thread.clock.sleep(INTERRUPT_GRACE_MS, timer.signal).then(() => {
      if (this.killTimer === timer) this.killTimer = undefined;
      if (!timer.signal.aborted && this.onIdle) this.thread.kill();
    });
  }

  async terminate(): Promise<void> {
    this.thread.remove(this);
  }
}
