import {
  GLOBAL_ITERATIONS_COMPLETED,
  GLOBAL_ITERATIONS_INTERRUPTED,
  GLOBAL_RUN_STARTED,
  GLOBAL_VUS_ACTIVE,
  GLOBAL_VUS_INITIALIZED,
} from './protocol.ts';
import { AbortTestSignal } from './signals.ts';
import type { VuState } from './vu-state.ts';

/**
 * exec.vu.tags (and exec.vu.metrics.tags) as k6's tagsDynamicObject (internal/js/modules/k6/execution): reading
 * gives every tag the VU's samples carry at that moment (options.tags, the scenario's tags, scenario, group and
 * the VU's own); a write sets one of the VU's own, as a string, and refuses other types with k6's TypeError.
 */
function vuTagsView(state: VuState): Record<string, string> {
  const own = state.vuTags;
  return new Proxy(own, {
    get: (_t, key) => (typeof key === 'string' ? state.tags()[key] : undefined),
    set: (_t, key, value: unknown) => {
      if (typeof key !== 'string') return false;
      if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean')
        throw new TypeError(
          `invalid value for metric tag '${key}': only String, Boolean and Number types are accepted as a metric tag values`,
        );
      own[key] = String(value);
      return true;
    },
    has: (_t, key) => typeof key === 'string' && key in state.tags(),
    ownKeys: () => Object.keys(state.tags()),
    getOwnPropertyDescriptor: (_t, key) => {
      const all = state.tags();
      if (typeof key !== 'string' || !(key in all)) return undefined;
      return { value: all[key], writable: true, enumerable: true, configurable: true };
    },
    deleteProperty: (_t, key) => {
      if (typeof key === 'string') delete own[key];
      return true;
    },
  });
}

/**
 * The `k6/execution` module. As in k6 (internal/js/modules/k6/execution/execution.go), the init context may not
 * read vu, scenario, instance or test.options (they throw k6's texts), and setup()/teardown() run outside any
 * scenario, so exec.scenario's fields throw there.
 */
export function createK6Execution(state: VuState) {
  const notInInit = (what: string) => {
    if (state.inInit) throw new Error(`getting ${what} in the init context is not supported`);
  };
  const outsideVu = 'getting scenario information outside of the VU context is not supported';
  const scenario = () => {
    if (!state.scenario) throw new Error(outsideVu);
    return state.scenario;
  };
  const tags = vuTagsView(state);
  const info = {
    vu: {
      get idInInstance() {
        return state.boot.vuId;
      },
      get idInTest() {
        return state.boot.vuId;
      },
      get iterationInInstance() {
        return state.iterationInInstance;
      },
      get iterationInScenario() {
        return state.iter;
      },
      tags,
      metrics: { tags, metadata: {} },
    },
    scenario: {
      get name() {
        return scenario().name;
      },
      get executor() {
        return scenario().executor;
      },
      // Whole ms, as k6's UnixNano() / time.Millisecond (internal/js/modules/k6/execution/execution.go).
      get startTime() {
        return Math.trunc(scenario().startTime);
      },
      // k6's ProgressFn of the executor (lib/executor/*.go): iterations ended out of all for shared-iterations and
      // per-vu-iterations, time out of the planned duration for the others.
      get progress() {
        const s = scenario();
        if (s.iterations > 0)
          return Math.min(1, Atomics.load(state.scenarioCounter ?? new Int32Array(2), 1) / s.iterations);
        return s.duration > 0 ? Math.min(1, (Date.now() - s.startTime) / s.duration) : 0;
      },
      get iterationInInstance() {
        return state.iterationInTest;
      },
      get iterationInTest() {
        return state.iterationInTest;
      },
    },
    instance: {
      get vusActive() {
        return Atomics.load(state.global, GLOBAL_VUS_ACTIVE);
      },
      get vusInitialized() {
        return Atomics.load(state.global, GLOBAL_VUS_INITIALIZED);
      },
      get iterationsCompleted() {
        return Atomics.load(state.global, GLOBAL_ITERATIONS_COMPLETED);
      },
      get iterationsInterrupted() {
        return Atomics.load(state.global, GLOBAL_ITERATIONS_INTERRUPTED);
      },
      /** From the start of the test run, as k6's GetCurrentTestRunDuration (lib/execution.go): not the VUs' init. */
      get currentTestRunDuration() {
        return Date.now() - (state.boot.testStart + Atomics.load(state.global, GLOBAL_RUN_STARTED));
      },
    },
    test: {
      abort(reason = 'test aborted'): never {
        state.post({ t: 'abort', reason: String(reason) });
        throw new AbortTestSignal(String(reason));
      },
      /**
       * As k6 (internal/js/modules/k6/execution/execution.go): logs the reason, marks the test failed and
       * returns; the run goes on and exits with 110 (errext/exitcodes MarkedAsFailed).
       */
      fail(reason?: unknown): void {
        if (state.inInit) throw new Error('execution.test.fail() called outside of VU context');
        const message = reason === undefined || reason === null ? '' : `: ${String(reason)}`;
        state.post({ t: 'log', level: 'error', message: `test marked as failed${message}` });
        state.post({ t: 'mark-failed' });
      },
      get options() {
        notInInit('test options');
        return state.options;
      },
    },
  };
  return {
    get vu() {
      notInInit('VU information');
      return info.vu;
    },
    get scenario() {
      if (state.inInit) throw new Error(outsideVu);
      return info.scenario;
    },
    get instance() {
      notInInit('instance information');
      return info.instance;
    },
    test: info.test,
  };
}
