export interface ReadYourWritesOptions {
  /** How long after a write the tenant's reads go to the primary; 0 turns read-your-writes off. */
  windowMs?: number;
  now?: () => number;
  /** Entries kept before expired ones are swept; memory stays bounded by the tenants writing right now. */
  sweepAbove?: number;
}

export const RYW_COOKIE_PREFIX = 'tenantops_ryw_';

/**
 * Which tenants wrote within the last `windowMs`, so their reads go to the primary and see their own writes
 * whatever the replica's lag.
 *
 * Nodes behind a load balancer share nothing, and a tenant's next read may land on another node, so the window is
 * also handed to the client: each write answers with a cookie `tenantops_ryw_<tenant>=<end of window, Unix ms>`
 * (Max-Age = the window), which every node honours for that tenant. One cookie per tenant, because one client
 * (a k6 VU, a back office) may act for several tenants. A cookie only ever moves its own tenant to the primary,
 * and its end is capped at now + window, so a forged or stale one costs at most what a write would. The end is
 * absolute time: node clocks must agree (NTP) to well within the window.
 */
export class ReadYourWrites {
  readonly windowMs: number;
  private readonly now: () => number;
  private readonly sweepAbove: number;
  private readonly until = new Map<number, number>();

  constructor({ windowMs = 2000, now = Date.now, sweepAbove = 10_000 }: ReadYourWritesOptions = {}) {
    this.windowMs = windowMs;
    this.now = now;
    this.sweepAbove = sweepAbove;
  }

  /** Records a write by the tenant; returns the Set-Cookie value that carries the window to other nodes. */
  noteWrite(tenantId: number): string | null {
    if (this.windowMs <= 0) return null;
    const now = this.now();
    const end = now + this.windowMs;
    if (this.until.size >= this.sweepAbove) for (const [t, u] of this.until) if (u <= now) this.until.delete(t);
    this.until.set(tenantId, end);
    const maxAge = Math.ceil(this.windowMs / 1000);
    return `${RYW_COOKIE_PREFIX}${tenantId}=${end}; Max-Age=${maxAge}; Path=/; HttpOnly; SameSite=Lax`;
  }

  /** True while the tenant's reads must go to the primary: a write here, or a cookie from any node, within the window. */
  pinned(tenantId: number, cookieHeader: string | undefined): boolean {
    if (this.windowMs <= 0) return false;
    const now = this.now();
    const local = this.until.get(tenantId);
    if (local !== undefined) {
      if (local > now) return true;
      this.until.delete(tenantId);
    }
    const fromCookie = cookieEnd(cookieHeader, tenantId);
    return fromCookie !== null && Math.min(fromCookie, now + this.windowMs) > now;
  }
}

function cookieEnd(header: string | undefined, tenantId: number): number | null {
  if (!header) return null;
  const name = `${RYW_COOKIE_PREFIX}${tenantId}=`;
  for (const part of header.split(';')) {
    const p = part.trim();
    if (p.startsWith(name)) {
      const v = p.slice(name.length);
      return /^\d{1,16}$/.test(v) ? Number(v) : null;
    }
  }
  return null;
}
