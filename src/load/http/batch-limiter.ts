/**
 * Which requests of one http.batch() may be on the wire, as k6 runs them (lib/netext/httpext/batch.go
 * MakeBatchRequests): min(count, `batch`) workers take the requests in order, and a worker that took a request
 * waits for one of its host's `batchPerHost` slots before sending it, still holding its worker meanwhile (so a
 * request waiting for its host also holds back the requests behind it). The host is the URL's host[:port].
 * `batchPerHost` 0 sets no per-host limit (lib.NewMultiSlotLimiter gives no slot). k6's defaults are the
 * `--batch` and `--batch-per-host` flags' (internal/cmd/options.go): 20 and 6.
 */
export class BatchLimiter {
  private next = 0;
  /** Taken by a worker, waiting for a slot of its host, in the order they were taken. */
  private readonly waiting: number[] = [];
  private readonly running = new Map<string, number>();
  private workersFree: number;
  private readonly perHost: number;

  constructor(
    private readonly hosts: readonly string[],
    batch = 20,
    batchPerHost = 6,
  ) {
    // k6 starts no worker for `batch` 0 and then waits forever; a batch that never ends helps nobody.
    this.workersFree = Math.max(1, Math.min(hosts.length, Math.floor(batch) || 0));
    this.perHost = Math.max(0, Math.floor(batchPerHost) || 0);
  }

  /** The requests to send now (call once, before any done()). */
  start(): number[] {
    return this.take();
  }

  /** Request i got its reply: the requests that may be sent now. */
  done(i: number): number[] {
    const host = this.hosts[i];
    const n = this.running.get(host) ?? 0;
    if (n <= 1) this.running.delete(host);
    else this.running.set(host, n - 1);
    this.workersFree++;
    return this.take();
  }

  private take(): number[] {
    while (this.workersFree > 0 && this.next < this.hosts.length) {
      this.waiting.push(this.next++);
      this.workersFree--;
    }
    const out: number[] = [];
    for (let k = 0; k < this.waiting.length;) {
      const i = this.waiting[k];
      const host = this.hosts[i];
      const n = this.running.get(host) ?? 0;
      if (this.perHost > 0 && n >= this.perHost) {
        k++;
        continue;
      }
      this.running.set(host, n + 1);
      this.waiting.splice(k, 1);
      out.push(i);
    }
    return out;
  }
}

/** The host[:port] k6 limits a batch per (Go's url.URL.Host); the whole string when it is no URL. */
export function batchHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
