import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import {
  CELL_SIGNAL,
  CELL_STATE,
  INTERRUPT,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type SampleTuple,
  type ScenarioInfo,
  type Tags,
  type WorkerBoot,
  type WorkerToMain,
} from './protocol.ts';
import type { EventLoop } from './event-loop.ts';
import { InterruptSignal } from './signals.ts';

const FLUSH_SAMPLES = 512;
const FLUSH_MS = 200;

/** Everything one VU knows about itself; the k6 module shims read and write it. */
export class VuState {
  readonly boot: WorkerBoot;
  readonly control: Int32Array;
  readonly global: Int32Array;
  inInit = true;
  scenario: ScenarioInfo | undefined;
  groupPath = '';
  globalTags: Tags = {};
  /** exec.vu.tags: scripts may set them, and they tag every later sample of this VU. */
  readonly vuTags: Record<string, string> = {};
  options: Record<string, unknown> = {};
  /** __ITER: iteration of this VU in the current scenario. */
  iter = 0;
  iterationInInstance = 0;
  iterationInTest = 0;
  private samples: SampleTuple[] = [];
  private lastFlush = Date.now();
  private nextId = 1;
  private readonly pending = new Map<number, (r: HttpResponseMessage) => void>();

  /** Set by the worker: async requests hold the iteration open until they settle. */
  loop: EventLoop | undefined;

  constructor(boot: WorkerBoot) {
    this.boot = boot;
    this.control = new Int32Array(boot.control);
    this.global = new Int32Array(boot.global);
    boot.asyncPort.on('message', (m: HttpResponseMessage) => {
      const resolve = this.pending.get(m.id);
      this.pending.delete(m.id);
      resolve?.(m);
    });
    boot.asyncPort.unref();
  }

  post(message: WorkerToMain): void {
    parentPort?.postMessage(message);
  }

  /** The tags every sample of this VU carries right now (k6's system tags scenario and group). */
  tags(): Tags {
    const tags: Tags = { ...this.globalTags, ...this.scenario?.tags, ...this.vuTags };
    if (this.scenario) tags.scenario = this.scenario.name;
    tags.group = this.groupPath;
    return tags;
  }

  sample(name: string, value: number, tags: Tags): void {
    this.samples.push([name, value, tags, Date.now()]);
    if (this.samples.length >= FLUSH_SAMPLES) this.flush();
  }

  /**
   * Samples reach the main thread's metric engine while an iteration runs, not only when it ends:
   * everything recorded so far leaves before the VU sleeps, samples older than FLUSH_MS leave before
   * a request, and async code flushes at least every FLUSH_MS, so thresholds judge the test as it
   * happens (k6 flushes continuously and evaluates thresholds every 2 s).
   */
  flushIfDue(): void {
    if (this.samples.length && Date.now() - this.lastFlush >= FLUSH_MS) this.flush();
  }

  flush(): void {
    this.lastFlush = Date.now();
    if (!this.samples.length) return;
    this.post({ t: 'samples', s: this.samples });
    this.samples = [];
  }

  interrupted(): boolean {
    return Atomics.load(this.control, CELL_STATE) === INTERRUPT;
  }

  /**
   * Sends requests to the main thread's HTTP pool and blocks this thread until every
   * reply is in. Atomics.wait parks the thread; the main thread posts the reply on
   * syncPort, then bumps CELL_SIGNAL and notifies, so the wait never misses a reply.
   */
  requestSync(requests: Omit<HttpRequestMessage, 'id' | 'sync' | 't'>[]): HttpResponseMessage[] {
    if (this.inInit)
      throw new Error('making HTTP requests in the init context is not supported; move them to setup() or default()');
    // Requests are usually short: samples older than FLUSH_MS leave now, the rest with the next flush.
    this.flushIfDue();
    const ids = requests.map((r) => {
      const id = this.nextId++;
      this.post({ ...r, t: 'req', id, sync: true });
      return id;
    });
    const wanted = new Set(ids);
    const got = new Map<number, HttpResponseMessage>();
    while (got.size < ids.length) {
      const seen = Atomics.load(this.control, CELL_SIGNAL);
      for (let m = receiveMessageOnPort(this.boot.syncPort); m; m = receiveMessageOnPort(this.boot.syncPort)) {
        const reply = m.message as HttpResponseMessage;
        // Replies to requests of an interrupted iteration may still arrive; they are dropped here.
        if (wanted.has(reply.id)) got.set(reply.id, reply);
      }
      if (got.size === ids.length) break;
      if (this.interrupted()) throw new InterruptSignal();
      Atomics.wait(this.control, CELL_SIGNAL, seen);
    }
    const replies = ids.map((id) => got.get(id) as HttpResponseMessage);
    replies.forEach((reply, i) => this.warnIfFailed(requests[i].method, reply));
    return replies;
  }

  /**
   * k6 logs a warning for every request that got no response (a network error, a timeout), unless
   * `throw` is set: `WARN Request Failed error="Get \"http://…\": <reason>"`, the error being Go's
   * url.Error text (method, quoted URL, reason). https://grafana.com/docs/k6/latest/javascript-api/error-codes/
   */
  private warnIfFailed(method: string, reply: HttpResponseMessage): void {
    if (reply.status !== 0 || !reply.error) return;
    const url = reply.url;
    const op = method.charAt(0).toUpperCase() + method.slice(1).toLowerCase();
    // The HTTP engine may already prefix its error with the method and URL: keep the reason only.
    const reason = reply.error.replace(/^[A-Z]+ "[^"]*": /, '');
    const error = `${op} ${JSON.stringify(url)}: ${reason}`;
    this.post({ t: 'log', level: 'warn', message: 'Request Failed', fields: { error } });
  }

  requestAsync(request: Omit<HttpRequestMessage, 'id' | 'sync' | 't'>): Promise<HttpResponseMessage> {
    if (this.inInit) throw new Error('making HTTP requests in the init context is not supported');
    const id = this.nextId++;
    const release = this.loop?.hold();
    return new Promise((resolve) => {
      this.pending.set(id, (reply) => {
        this.warnIfFailed(request.method, reply);
        // Resolve first: the response's reactions run before the event loop may see the iteration as settled.
        resolve(reply);
        release?.();
      });
      this.post({ ...request, t: 'req', id, sync: false });
    });
  }

  /** k6's sleep blocks the VU; an interrupt from the executor wakes it early. */
  sleep(seconds: number): void {
    const deadline = performance.now() + Math.max(0, seconds) * 1000;
    this.flush();
    for (;;) {
      if (this.interrupted()) throw new InterruptSignal();
      const left = deadline - performance.now();
      if (left <= 0) return;
      Atomics.wait(this.control, CELL_SIGNAL, Atomics.load(this.control, CELL_SIGNAL), left);
    }
  }
}
