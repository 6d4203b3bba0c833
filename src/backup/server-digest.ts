import type { Db, DbSession } from '../db/index.ts';
import type { Manifest } from './archive/manifest.ts';
import { bindTenant } from './scope/scope-plan.ts';
import type { TenantScope } from './tenant-scope.ts';

/** The server's digest of a table's tenant rows over these columns, as `n:s:x` (BackupDialect.digestQuery). */
export async function serverDigest(
  s: DbSession,
  scope: TenantScope,
  table: string,
  columns: readonly string[],
  tenantId: string,
  lock = false,
): Promise<string> {
  const d = scope.dialect;
  const entry = scope.plan.entries.find((e) => e.table === table)!;
  const b = bindTenant(entry.predicate, tenantId, d.param);
  const sql = d.digestQuery(scope.schema.get(table)!, columns, d.from(table), b.sql, lock);
  const r = (await s.query<{ n: unknown; s: unknown; x: unknown }>(sql, b.params))[0]!;
  return digestString(BigInt(String(r.n)), BigInt(String(r.s)), BigInt(String(r.x)));
}

/** `n:s:x`, the XOR as an unsigned 64-bit number whichever sign the server's integer type gave it. */
function digestString(n: bigint, sum: bigint, xor: bigint): string {
  return `${n}:${sum}:${BigInt.asUintN(64, xor)}`;
}

/**
 * The same digest as digestQuery, summed in JavaScript from the row hashes a backup reads beside its rows, so the
 * backup needs no second pass over the table.
 */
export class DigestAccumulator {
  private n = 0n;
  private sum = 0n;
  private xor = 0n;

  add(hash: string): void {
    this.n++;
    this.sum += BigInt(`0x${hash.slice(0, 15)}`);
    this.xor ^= BigInt(`0x${hash.slice(15, 31)}`);
  }

  toString(): string {
    return digestString(this.n, this.sum, this.xor);
  }
}

/**
 * Whether the archive's server digests can be compared with this database's: the text a server renders for a
 * value (floats, dates) may change between engines and versions, and a digest that cannot match only costs a
 * full comparison, never a wrong skip.
 */
export function digestsComparable(manifest: Manifest, db: Pick<Db, 'serverVersion' | 'target'>): boolean {
  return manifest.engine === db.target.engine && manifest.serverVersion === db.serverVersion;
}
