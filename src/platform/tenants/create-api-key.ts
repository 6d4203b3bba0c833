import { randomBytes } from 'node:crypto';
import type { Queryable, SqlDialect } from '../../db/index.ts';
import { hashApiKey } from '../seed/tenant-rows.ts';
import { nowText } from '../routes/route-schemas.ts';

export interface NewApiKey {
  id: number;
  tenantId: number;
  /** The only time the full key exists outside the client: only its SHA-256 is stored. */
  apiKey: string;
  keyPrefix: string;
  label: string;
}

/** A new random key `tok_` + 40 hex chars for an existing tenant; stores hash and prefix only. */
export async function createApiKey(
  q: Queryable,
  d: SqlDialect,
  tenantId: number,
  label = 'default',
): Promise<NewApiKey> {
  const apiKey = `tok_${randomBytes(20).toString('hex')}`;
  const keyPrefix = apiKey.slice(0, 8);
  const r = await q.execute(
    d.insertReturningId('api_key', ['tenant_id', 'key_hash', 'key_prefix', 'label', 'created']),
    [tenantId, hashApiKey(apiKey), keyPrefix, label, nowText()],
  );
  return { id: Number(r.insertId), tenantId, apiKey, keyPrefix, label };
}
