// Messages between the main thread and VU workers. Plain data only: everything here
// crosses a structured clone.
import type { MessagePort } from 'node:worker_threads';
import type { StoredCookie } from '../http/cookie-jar.ts';
import type { RequestCookie } from '../http/request-cookie-header.ts';
import type { Insertion } from '../script/mark-throw-sites.ts';
import type { SampleBatchMessage } from './sample-batch.ts';
import type { TlsSettings } from '../http/tls-settings.ts';

/** Int32 cells of a VU's control SharedArrayBuffer. */
export const CELL_SIGNAL = 0; // bumped by the main thread after each sync reply or interrupt
export const CELL_STATE = 1; // RUN, STOP or INTERRUPT
export const RUN = 0;
export const STOP = 1;
export const INTERRUPT = 2;

/** Int32 cells of the run-wide SharedArrayBuffer that k6/execution reads. */
export const GLOBAL_VUS_ACTIVE = 0;
export const GLOBAL_VUS_INITIALIZED = 1;
export const GLOBAL_ITERATIONS_COMPLETED = 2;
export const GLOBAL_ITERATIONS_INTERRUPTED = 3;
/**
 * When the test run started (k6's MarkStarted, before setup(), after the VUs' init), in ms after `testStart`:
 * VUs boot before it is known, so they read it here.
 */
export const GLOBAL_RUN_STARTED = 4;
export const GLOBAL_CELLS = 5;

export type Tags = Record<string, string>;

export interface WorkerBoot {
  vuId: number;
  code: string;
  scriptPath: string;
  env: Record<string, string>;
  control: SharedArrayBuffer;
  global: SharedArrayBuffer;
  syncPort: MessagePort;
  asyncPort: MessagePort;
  /** Epoch ms of the test start, for exec.instance.currentTestRunDuration. */
  testStart: number;
  /** esbuild's source map of `code` (JSON), to report errors at the original file:line:col. */
  sourceMap?: string;
  /** Where script/mark-throw-sites.ts inserted text into `code` (see its Insertion). */
  insertions?: Insertion[];
}

/** What a thread of several VUs (runtime/shared-vu-worker.ts) starts with; each VU then comes with an `add`. */
export interface SharedWorkerBoot extends Omit<WorkerBoot, 'vuId' | 'control'> {
  /** Insertions of script/async-vu-transform.ts into `code`, applied after `insertions`. */
  asyncInsertions: Insertion[];
}

export interface ExpectedStatuses {
  statuses: number[];
  ranges: [number, number][];
}

export interface HttpRequestMessage {
  t: 'req';
  id: number;
  sync: boolean;
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  timeout: number;
  redirects: number;
  /** Neither params.redirects nor the maxRedirects option was set: a stop at the limit is logged (k6). */
  warnRedirects?: boolean;
  responseType: 'text' | 'binary' | 'none';
  /** VU, scenario, group and request tags; the main thread adds method, status, url… */
  tags: Tags;
  /** null when setResponseCallback(null): no http_req_failed, no expected_response tag. */
  expected: ExpectedStatuses | null;
  /** The request's cookie jar, sent when redirects may be followed: Set-Cookie applies between hops. */
  jar?: StoredCookie[];
  /** params.cookies, sent again on each redirect hop, as k6 does. */
  cookies?: RequestCookie[];
  /** params.auth: "digest" makes the challenge request, then the authenticated one. */
  auth?: string;
  /** The test's TLS options, present only when the script sets some. */
  tls?: TlsSettings;
}

export interface HttpTimings {
  duration: number;
  blocked: number;
  connecting: number;
  tls_handshaking: number;
  sending: number;
  waiting: number;
  receiving: number;
}

/** Timings of a request before any phase of it has run (or of one never sent). */
export function zeroTimings(): HttpTimings {
  return { duration: 0, blocked: 0, connecting: 0, tls_handshaking: 0, sending: 0, waiting: 0, receiving: 0 };
}

export interface HttpResponseMessage {
  id: number;
  status: number;
  statusText: string;
  proto: string;
  headers: Record<string, string>;
  body: string | Uint8Array | null;
  timings: HttpTimings;
  error: string;
  errorCode: number;
  url: string;
  remoteIp: string;
  remotePort: number;
  /** Set-Cookie values of each hop that had some: [hop URL, values, is the final response]. */
  setCookies?: [string, string[], boolean][];
  tlsVersion?: string;
  tlsCipherSuite?: string;
  /** Node's message behind `error`, for logs. */
  errorDetail?: string;
  /** The redirect limit stopped the request: how many requests it made (Go's len(via)). */
  redirectsStopped?: number;
}

export interface ScenarioInfo {
  name: string;
  executor: string;
  exec: string;
  env: Record<string, string>;
  tags: Tags;
  /** Epoch ms the scenario started. */
  startTime: number;
  /** Planned length in ms, for exec.scenario.progress (0 when unknown). */
  duration: number;
  /** Iterations the scenario runs in all (shared-iterations, per-vu-iterations), else 0: their progress counts them. */
  iterations: number;
}

export type LoopModeMessage =
  { kind: 'forever' } | { kind: 'count'; max: number } | { kind: 'shared'; total: number } | { kind: 'once' };

export type MainToWorker =
  | {
      t: 'loop';
      mode: LoopModeMessage;
      scenario: ScenarioInfo;
      /** JSON of setup()'s data; sent once per VU and scenario, then cached. */
      data?: string;
      counter: SharedArrayBuffer;
      globalTags: Tags;
      options: Record<string, unknown>;
    }
  /** Ends the running iteration now; a VU busy in synchronous code is terminated instead (vu/worker-vu.ts). */
  | { t: 'interrupt' }
  | {
      t: 'call';
      fn: 'setup' | 'teardown' | 'handleSummary';
      arg?: string;
      globalTags: Tags;
      options: Record<string, unknown>;
    };

/** Main thread → a thread of several VUs: the same loop and interrupt, addressed to one VU. */
export type SharedMainToWorker =
  | { t: 'add'; vu: number; control: SharedArrayBuffer }
  | (Extract<MainToWorker, { t: 'loop' }> & { vu: number })
  | { t: 'interrupt'; vu: number }
  | { t: 'remove'; vu: number };

export type WorkerToMain =
  | HttpRequestMessage
  | { t: 'ready'; options: Record<string, unknown>; exports: string[] }
  | { t: 'init-error'; message: string }
  | { t: 'metric'; name: string; type: 'counter' | 'gauge' | 'rate' | 'trend'; contains: 'default' | 'time' }
  | { t: 'samples'; s: SampleBatchMessage }
  /** fields are logrus fields, e.g. source=console, or executor, scenario and source=stacktrace. */
  | { t: 'log'; level: 'info' | 'warn' | 'error' | 'debug'; message: string; fields?: Record<string, string> }
  | { t: 'abort'; reason: string }
  /** exec.test.fail(): the run goes on and ends with exit 110. */
  | { t: 'mark-failed' }
  | { t: 'idle'; iterations: number; interrupted: boolean }
  | { t: 'result'; ok: true; value: unknown }
  | { t: 'result'; ok: false; message: string };
