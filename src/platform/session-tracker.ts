export interface SessionTrackerOptions {
  /** A key counts as a session while a request is in flight or for this long after its last one (docs: 60 s). */
  sessionWindowMs?: number;
  /** A tenant counts as active for this long after its last request (docs: 15 min). */
  activeWindowMs?: number;
  now?: () => number;
}

interface KeyState {
  inFlight: number;
  lastSeen: number;
}

/**
 * Concurrent sessions per tenant and active tenants, in memory. Idle keys and tenants are forgotten when read, so
 * memory and the gauge's series stay bounded by the tenants that are active right now.
 */
export class SessionTracker {
  private readonly sessionWindowMs: number;
  private readonly activeWindowMs: number;
  private readonly now: () => number;
  private readonly keys = new Map<number, Map<number, KeyState>>();
  private readonly lastRequest = new Map<number, number>();

  constructor({ sessionWindowMs = 60_000, activeWindowMs = 900_000, now = Date.now }: SessionTrackerOptions = {}) {
    this.sessionWindowMs = sessionWindowMs;
    this.activeWindowMs = activeWindowMs;
    this.now = now;
  }

  /** Marks a request of (tenant, key) as started; the returned function ends it and is safe to call twice. */
  begin(tenantId: number, keyId: number): () => void {
    const at = this.now();
    this.lastRequest.set(tenantId, at);
    let perKey = this.keys.get(tenantId);
    if (!perKey) this.keys.set(tenantId, (perKey = new Map()));
    let k = perKey.get(keyId);
    if (!k) perKey.set(keyId, (k = { inFlight: 0, lastSeen: at }));
    k.inFlight++;
    const state = k;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      state.inFlight--;
      state.lastSeen = this.now();
    };
  }

  /** Sessions per tenant, only for tenants with at least one; prunes everything idle. */
  sessions(): Map<number, number> {
    const now = this.now();
    const out = new Map<number, number>();
    for (const [tenant, perKey] of this.keys) {
      for (const [key, s] of perKey) {
        if (s.inFlight <= 0 && now - s.lastSeen >= this.sessionWindowMs) perKey.delete(key);
      }
      if (perKey.size === 0) this.keys.delete(tenant);
      else out.set(tenant, perKey.size);
    }
    return out;
  }

  activeTenants(): number {
    const now = this.now();
    for (const [tenant, at] of this.lastRequest) {
      if (now - at >= this.activeWindowMs && !this.keys.has(tenant)) this.lastRequest.delete(tenant);
    }
    return this.lastRequest.size;
  }

  /** Forget a deleted tenant at once. */
  forget(tenantId: number): void {
    this.keys.delete(tenantId);
    this.lastRequest.delete(tenantId);
  }
}
