/** Thrown inside a VU to unwind an iteration that the executor interrupted. */
export class InterruptSignal extends Error {
  constructor() {
    super('iteration interrupted');
    this.name = 'InterruptSignal';
  }
}

/** Thrown by exec.test.abort() to unwind the VU; the run then ends with exit 108. */
export class AbortTestSignal extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'AbortTestSignal';
  }
}
