import type { Db } from '../db/index.ts';
import { hashApiKey } from './seed/tenant-rows.ts';

export interface ResolvedKey {
  tenantId: number;
  keyId: number;
}

export const API_KEY_PATTERN = /^tok_[0-9a-f]{40}$/;

/**
 * API key → tenant, by the key's SHA-256 (only hashes are stored). Hits are cached for `ttlMs` so the hot path does
 * not read api_key on every request; a key deleted in another process stays valid here for at most that long.
 */
export class ApiKeyResolver {
  private readonly db: Db;
  private readonly ttlMs: number;
  private readonly max: number;
  private readonly cache = new Map<string, ResolvedKey & { until: number }>();

  constructor(db: Db, { ttlMs = 30_000, max = 10_000 }: { ttlMs?: number; max?: number } = {}) {
    this.db = db;
    this.ttlMs = ttlMs;
    this.max = max;
  }

  async resolve(key: string): Promise<ResolvedKey | null> {
    if (!API_KEY_PATTERN.test(key)) return null;
    const hash = hashApiKey(key);
    const now = Date.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return { tenantId: hit.tenantId, keyId: hit.keyId };
    const d = this.db.dialect;
    const q = d.quoteIdent;
    const rows = await this.db.query<{ id: number; tenant_id: number }>(
      `SELECT ${q('id')}, ${q('tenant_id')} FROM ${q('api_key')} WHERE ${q('key_hash')} = ${d.param(1)}`,
      [hash],
    );
    const row = rows[0];
    if (!row) {
      this.cache.delete(hash);
      return null;
    }
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value!);
    const resolved = { tenantId: Number(row.tenant_id), keyId: Number(row.id) };
    // last_used is written on a cache miss only (at most once per TTL per key) and off the request path: it is
    // informative, not an audit log.
    this.db
      .execute(`UPDATE ${q('api_key')} SET ${q('last_used')} = ${d.now} WHERE ${q('id')} = ${d.param(1)}`, [row.id])
      .catch(() => undefined);
    this.cache.set(hash, { ...resolved, until: now + this.ttlMs });
    return resolved;
  }

  forgetTenant(tenantId: number): void {
    for (const [h, v] of this.cache) if (v.tenantId === tenantId) this.cache.delete(h);
  }
}
