import { parentPort, receiveMessageOnPort } from 'node:worker_threads';
import {
  CELL_SIGNAL,
  CELL_STATE,
  GLOBAL_ITERATIONS_COMPLETED,
  GLOBAL_ITERATIONS_INTERRUPTED,
  INTERRUPT,
  type HttpRequestMessage,
  type HttpResponseMessage,
  type ScenarioInfo,
  type Tags,
  type WorkerBoot,
  type WorkerToMain,
} from './protocol.ts';
import type { EventLoop } from './event-loop.ts';
import { BatchLimiter, batchHost } from '../http/batch-limiter.ts';
import { SampleBatch } from './sample-batch.ts';
import { AbortTestSignal, InterruptSignal } from './signals.ts';

/** k6's text (js/modules/k6/http/request.go ErrHTTPForbiddenInInitContext). */
const HTTP_IN_INIT = 'Making http requests in the init context is not supported';

// Node's own timers: the script's timer globals are replaced in the VU thread.
const nodeSetTimeout = globalThis.setTimeout;
const nodeClearTimeout = globalThis.clearTimeout;

const FLUSH_SAMPLES = 512;

const ONE_REQUEST: Pick<BatchLimiter, 'start' | 'done'> = { start: () => [0], done: () => [] };
const FLUSH_MS = 200;

/**
 * What the VUs of one thread share: the replies to async requests arrive on one port, and samples
 * leave in one buffer (they carry their own tags), so a thread of many VUs sends one message per flush.
 */
const thread = {
  samples: new SampleBatch(),
  lastFlush: Date.now(),
  nextId: 1,
  pending: new Map<number, (r: HttpResponseMessage) => void>(),
  ports: new WeakSet<object>(),
  blockedNoticeSent: false,
  /** Set in a thread of shared VUs that runs its own HTTP engine: requests that wait go there. */
  http: undefined as ((req: HttpRequestMessage) => Promise<HttpResponseMessage>) | undefined,
};

/** Requests awaited by shared VUs run on this thread's own engine instead of the main thread's. */
export function useThreadHttp(execute: (req: HttpRequestMessage) => Promise<HttpResponseMessage>): void {
  thread.http = execute;
}

/** A sample of this thread (the thread's HTTP engine records its requests' here). */
export function recordThreadSample(name: string, value: number, tags: Tags, time: number): void {
  thread.samples.add(name, value, tags, time);
}

/** Samples that share tags and time: one record, expanded by the main thread. */
export function recordThreadSamples(names: readonly string[], values: number[], tags: Tags, time: number): void {
  thread.samples.addMany(names, values, tags, time);
}

/** Sends this thread's samples to the main thread's metric engine. */
export function flushThreadSamples(): void {
  thread.lastFlush = Date.now();
  const s = thread.samples.take();
  // The batch's array is its own copy (slice): it moves to the main thread instead of being cloned again.
  if (s) parentPort?.postMessage({ t: 'samples', s } satisfies WorkerToMain, [s.data.buffer as ArrayBuffer]);
}

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
  /** The running scenario's counters, shared by its VUs: [iterations started, iterations ended]. */
  scenarioCounter: Int32Array | undefined;
  /** Rejections of what this VU awaits (requests, sleeps): an interrupt ends them at once. */
  private readonly waits = new Set<(e: Error) => void>();

  /** Set by the worker: async requests hold the iteration open until they settle. */
  loop: EventLoop | undefined;

  /**
   * shared: this VU is one of several in its thread (runtime/shared-vu-worker.ts). Its messages
   * carry its id, and a k6 call that blocks (from code the transform did not reach) is reported once.
   */
  constructor(
    boot: WorkerBoot,
    readonly shared = false,
  ) {
    this.boot = boot;
    this.control = new Int32Array(boot.control);
    this.global = new Int32Array(boot.global);
    if (!thread.ports.has(boot.asyncPort)) {
      thread.ports.add(boot.asyncPort);
      boot.asyncPort.on('message', (m: HttpResponseMessage) => {
        const resolve = thread.pending.get(m.id);
        thread.pending.delete(m.id);
        resolve?.(m);
      });
      boot.asyncPort.unref();
    }
  }

  post(message: WorkerToMain): void {
    if (this.shared) (message as { vu?: number }).vu = this.boot.vuId;
    parentPort?.postMessage(message);
  }

  /** The tags every sample of this VU carries right now (k6's system tags scenario and group). */
  tags(): Tags {
    // for-in copies: spreads of tag objects of many shapes go megamorphic, and this runs for every sample.
    const tags: Tags = {};
    for (const k in this.globalTags) tags[k] = this.globalTags[k];
    const own = this.scenario?.tags;
    if (own) for (const k in own) tags[k] = own[k];
    for (const k in this.vuTags) tags[k] = this.vuTags[k];
    if (this.scenario) tags.scenario = this.scenario.name;
    tags.group = this.groupPath;
    return tags;
  }

  sample(name: string, value: number, tags: Tags): void {
    thread.samples.add(name, value, tags, Date.now());
    if (thread.samples.length >= FLUSH_SAMPLES) this.flush();
  }

  /**
   * Samples reach the main thread's metric engine while an iteration runs, not only when it ends:
   * everything recorded so far leaves before the VU sleeps, samples older than FLUSH_MS leave before
   * a request, and async code flushes at least every FLUSH_MS, so thresholds judge the test as it
   * happens (k6 flushes continuously and evaluates thresholds every 2 s).
   */
  flushIfDue(): void {
    if (thread.samples.length && Date.now() - thread.lastFlush >= FLUSH_MS) this.flush();
  }

  flush(): void {
    flushThreadSamples();
  }

  /**
   * An iteration threw: an interrupt or test abort ends the VU's loop (false, counted as interrupted); anything
   * else is logged as k6 logs it, with its stack and the executor's fields, and the VU goes on (true).
   */
  iterationThrew(e: unknown, describe: (e: unknown) => string): boolean {
    if (e instanceof InterruptSignal || e instanceof AbortTestSignal) {
      Atomics.add(this.global, GLOBAL_ITERATIONS_INTERRUPTED, 1);
      this.groupPath = '';
      return false;
    }
    const scenario = this.scenario;
    this.post({
      t: 'log',
      level: 'error',
      message: describe(e),
      fields: { executor: scenario?.executor ?? '', scenario: scenario?.name ?? '', source: 'stacktrace' },
    });
    return true;
  }

  /** An iteration that ran to its end (or threw and went on): its duration, the counters, the next __ITER. */
  iterationEnded(start: number): void {
    this.groupPath = '';
    const tags = this.tags();
    this.sample('iteration_duration', performance.now() - start, tags);
    this.sample('iterations', 1, tags);
    Atomics.add(this.global, GLOBAL_ITERATIONS_COMPLETED, 1);
    if (this.scenarioCounter) Atomics.add(this.scenarioCounter, 1, 1);
    this.iter++;
    this.iterationInInstance++;
    this.flushIfDue();
  }

  /** In a shared thread, a blocking k6 call stalls every VU of the thread: said once, at debug level. */
  private blocking(what: string): void {
    if (!this.shared || thread.blockedNoticeSent) return;
    thread.blockedNoticeSent = true;
    this.post({
      t: 'log',
      level: 'debug',
      message: `VU ${this.boot.vuId}: ${what} was called from code that runs synchronously (a getter, a class method, a callback of a native function); it blocked the other VUs of its thread while it waited`,
    });
  }

  /** Registers a wait that an interrupt ends; returns its unregistration. */
  private interruptible(reject: (e: Error) => void): () => void {
    this.waits.add(reject);
    return () => this.waits.delete(reject);
  }

  /** Ends every wait of this VU with an InterruptSignal (shared threads: the VU's iteration unwinds). */
  interruptWaits(): void {
    const waits = [...this.waits];
    this.waits.clear();
    for (const reject of waits) reject(new InterruptSignal());
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
    if (this.inInit) throw new Error(HTTP_IN_INIT);
    this.blocking('an HTTP request');
    // Requests are usually short: samples older than FLUSH_MS leave now, the rest with the next flush.
    this.flushIfDue();
    const ids = requests.map(() => thread.nextId++);
    const index = new Map(ids.map((id, i) => [id, i]));
    const send = (i: number) => this.post({ ...requests[i], t: 'req', id: ids[i], sync: true });
    const limiter = this.batchLimiter(requests);
    limiter.start().forEach(send);
    const got = new Map<number, HttpResponseMessage>();
    while (got.size < ids.length) {
      const seen = Atomics.load(this.control, CELL_SIGNAL);
      for (let m = receiveMessageOnPort(this.boot.syncPort); m; m = receiveMessageOnPort(this.boot.syncPort)) {
        const reply = m.message as HttpResponseMessage;
        // Replies to requests of an interrupted iteration may still arrive; they are dropped here.
        const i = index.get(reply.id);
        if (i === undefined || got.has(reply.id)) continue;
        got.set(reply.id, reply);
        limiter.done(i).forEach(send);
      }
      if (got.size === ids.length) break;
      if (this.interrupted()) throw new InterruptSignal();
      Atomics.wait(this.control, CELL_SIGNAL, seen);
    }
    const replies = ids.map((id) => got.get(id) as HttpResponseMessage);
    this.reportFailures(requests, replies);
    return replies;
  }

  /**
   * k6 logs a warning for every request that got no response (a network error, a timeout), unless
   * `throw` is set: `WARN Request Failed error="Get \"http://…\": <reason>"`, the error being Go's
   * url.Error text (method, quoted URL, reason). https://grafana.com/docs/k6/latest/javascript-api/error-codes/
   */
  private failure(method: string, reply: HttpResponseMessage): string | undefined {
    if (reply.status !== 0 || !reply.error) return undefined;
    const url = reply.url;
    // net/http's urlErrorOp: the first letter as written, the rest lower-cased; Get for no method.
    const op = method === '' ? 'Get' : method.charAt(0) + method.slice(1).toLowerCase();
    // The HTTP engine may already prefix its error with the method and URL: keep the reason only.
    const reason = reply.error.replace(/^[A-Z]+ "[^"]*": /, '');
    return `${op} ${JSON.stringify(url)}: ${reason}`;
  }

  /**
   * Each failed request's warning, or with the `throw` option the first one's error thrown instead, after every
   * reply is in (k6: lib/netext/httpext/request.go returns the error unlogged, js/modules/k6/http/request.go
   * throws it; a batch throws the first of its requests' errors).
   */
  private reportFailures(requests: readonly { method: string }[], replies: HttpResponseMessage[]): void {
    let first: string | undefined;
    replies.forEach((reply, i) => {
      const error = this.failure(requests[i].method, reply);
      if (error === undefined) return;
      if (this.options.throw === true) first ??= error;
      else this.post({ t: 'log', level: 'warn', message: 'Request Failed', fields: { error } });
    });
    if (first !== undefined) throw new Error(first);
  }

  requestAsync(request: Omit<HttpRequestMessage, 'id' | 'sync' | 't'>): Promise<HttpResponseMessage> {
    if (this.inInit) throw new Error(HTTP_IN_INIT);
    const id = thread.nextId++;
    const release = this.loop?.hold();
    return new Promise((resolve, reject) => {
      thread.pending.set(id, (reply) => {
        // Settle first: the response's reactions run before the event loop may see the iteration as settled.
        try {
          this.reportFailures([request], [reply]);
          resolve(reply);
        } catch (e) {
          reject(e);
        }
        release?.();
      });
      this.post({ ...request, t: 'req', id, sync: false });
    });
  }

  /**
   * The requests of a VU that shares its thread: sent like asyncRequest, awaited by the transformed
   * call site, ended by an interrupt. Replies come back in the order of the requests.
   */
  requestShared(requests: Omit<HttpRequestMessage, 'id' | 'sync' | 't'>[]): Promise<HttpResponseMessage[]> {
    if (this.inInit) throw new Error(HTTP_IN_INIT);
    if (this.interrupted()) return Promise.reject(new InterruptSignal());
    this.flushIfDue();
    return new Promise((resolve, reject) => {
      const replies: HttpResponseMessage[] = new Array<HttpResponseMessage>(requests.length);
      let left = requests.length;
      const ids: number[] = [];
      const done = this.interruptible((e) => {
        for (const id of ids) thread.pending.delete(id);
        reject(e);
      });
      const limiter = this.batchLimiter(requests);
      const send = (i: number) => {
        const r = requests[i];
        const id = thread.nextId++;
        ids.push(id);
        const settle = (reply: HttpResponseMessage) => {
          replies[i] = reply;
          if (--left > 0) return void limiter.done(i).forEach(send);
          done();
          try {
            this.reportFailures(requests, replies);
          } catch (e) {
            return reject(e);
          }
          resolve(replies);
        };
        thread.pending.set(id, settle);
        if (thread.http) {
          // The thread's own engine reads the request as it is: no copy, no id needed.
          thread.http(r as HttpRequestMessage).then((reply) => {
            if (thread.pending.delete(id)) settle(reply);
          }, reject);
        } else {
          // What only the VU needs (k6-http.ts's response info and cookie store) stays here.
          const { info: _info, store: _store, ...wire } = r as typeof r & { info?: unknown; store?: unknown };
          this.post({ ...wire, t: 'req', id, sync: false });
        }
      };
      limiter.start().forEach(send);
    });
  }

  /** The order in which the requests of one http.batch() go out, under the batch and batchPerHost options. */
  private batchLimiter(requests: readonly { url: string }[]): Pick<BatchLimiter, 'start' | 'done'> {
    // A single request (every call but http.batch) goes at once: no limiter, no URL parse on the hot path.
    if (requests.length < 2) return ONE_REQUEST;
    const { batch, batchPerHost } = this.options;
    return new BatchLimiter(
      requests.map((r) => batchHost(r.url)),
      typeof batch === 'number' ? batch : undefined,
      typeof batchPerHost === 'number' ? batchPerHost : undefined,
    );
  }

  /** sleep() for a VU that shares its thread: a timer the transformed call site awaits. */
  sleepShared(seconds: number): Promise<void> {
    if (this.interrupted()) return Promise.reject(new InterruptSignal());
    this.flush();
    return new Promise((resolve, reject) => {
      const timer = nodeSetTimeout(
        () => {
          done();
          resolve();
        },
        Math.max(0, seconds) * 1000,
      );
      const done = this.interruptible((e) => {
        nodeClearTimeout(timer);
        reject(e);
      });
    });
  }

  /** k6's sleep blocks the VU; an interrupt from the executor wakes it early. */
  sleep(seconds: number): void {
    // NaN (sleep(), sleep(undefined), sleep('abc')) returns at once, as in k6 (its Duration of NaN is negative);
    // Math.max kept the NaN and Atomics.wait took it as no timeout: the VU slept forever.
    const deadline = performance.now() + (seconds > 0 ? seconds : 0) * 1000;
    this.blocking('sleep()');
    this.flush();
    for (;;) {
      if (this.interrupted()) throw new InterruptSignal();
      const left = deadline - performance.now();
      if (left <= 0) return;
      Atomics.wait(this.control, CELL_SIGNAL, Atomics.load(this.control, CELL_SIGNAL), left);
    }
  }
}
