import type { RunIndex } from './run-index.ts';

/**
 * Writes a run's index one write at a time, each of the index as it was when asked for (parallel workers finish
 * together, and two writes in flight could land out of order or share a local temp file), and after each tenant at
 * most once per `everyMs`: the index is rewritten whole, so a write per tenant cost O(tenants²) bytes and, on object
 * storage, a PUT per tenant. A kill inside that window loses the newest lines; the next run backs those tenants up
 * again (their archives are never trusted without a line naming their SHA-256).
 */
export class IndexSaver {
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  private last = 0;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly index: RunIndex,
    private readonly write: (copy: RunIndex) => Promise<void>,
    private readonly everyMs = 2000,
  ) {}

  /** Writes now; resolves when this write has landed. */
  now(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.last = Date.now();
    const copy = structuredClone(this.index);
    const next = this.writing.then(() => this.write(copy));
    this.writing = next.catch((error: unknown) => void (this.failure ??= { error }));
    return next;
  }

  /** Writes within `everyMs` without waiting for it; a failure is thrown by flush(). */
  soon(): void {
    if (this.timer) return;
    const wait = this.last + this.everyMs - Date.now();
    if (wait <= 0) return void this.now().catch(() => undefined);
    this.timer = setTimeout(() => void this.now().catch(() => undefined), wait);
    this.timer.unref();
  }

  /** The last write, then the first failure of any write before it. */
  async flush(): Promise<void> {
    await this.now();
    if (this.failure) throw this.failure.error;
  }
}
