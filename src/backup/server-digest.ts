import type { Db, DbSession } from '../db/index.ts';
import type { Manifest } from './archive/manifest.ts';
import { digestPrefix, newDigestKind, type DigestKind } from './digest-kind.ts';
import { scopedSource } from './scope/scoped-source.ts';
import type { TenantScope } from './tenant-scope.ts';

/**
 * The server's digest of a table's tenant rows over these columns, as `n:s:x` after its kind's prefix
 * (BackupDialect.digestQuery, DigestKind): of `kind`, to compare with a recorded digest of that kind, else of the
 * kind new digests are taken with.
 */
export async function serverDigest(
  s: DbSession,
  scope: TenantScope,
  table: string,
  columns: readonly string[],
  tenantId: string,
  lock = false,
  kind: DigestKind = newDigestKind(scope.dialect),
): Promise<string> {
  const d = scope.dialect;
  const entry = scope.plan.entries.find((e) => e.table === table)!;
  const b = scopedSource(scope, entry, tenantId, { lock });
  const sql = d.digestQuery(scope.schema.get(table)!, columns, b.from, b.where, lock, kind);
  const r = (await s.query<{ n: unknown; s: unknown; x: unknown }>(sql, b.params))[0]!;
  return digestString(kind, BigInt(String(r.n)), BigInt(String(r.s)), BigInt(String(r.x)));
}

/** `n:s:x` after the kind's prefix, the XOR as an unsigned 64-bit number whichever sign the server's integer gave. */
function digestString(kind: DigestKind, n: bigint, sum: bigint, xor: bigint): string {
  return `${digestPrefix(kind)}${n}:${sum}:${BigInt.asUintN(64, xor)}`;
}

/**
 * The same digest as digestQuery, summed in JavaScript from the row hashes a backup reads beside its rows, so the
 * backup needs no second pass over the table.
 */
export class DigestAccumulator {
  /** `kind`: the kind of the row hashes added (BackupDialect.rowHash's default is the dialect's first). */
  constructor(private readonly kind: DigestKind) {}

  private n = 0;
  // The sum in two halves of plain numbers (28 and 32 bits), folded into a bigint every 2^20 rows before either
  // could pass 2^53: a BigInt parse per row was a visible share of a backup. The XOR in two 32-bit halves.
  private hi = 0;
  private lo = 0;
  private sum = 0n;
  private xhi = 0;
  private xlo = 0;

  add(hash: string): void {
    this.hi += parseInt(hash.slice(0, 7), 16);
    this.lo += parseInt(hash.slice(7, 15), 16);
    this.xhi ^= parseInt(hash.slice(15, 23), 16);
    this.xlo ^= parseInt(hash.slice(23, 31), 16);
    if ((++this.n & 0xfffff) === 0) this.fold();
  }

  private fold(): void {
    this.sum += (BigInt(this.hi) << 32n) + BigInt(this.lo);
    this.hi = this.lo = 0;
  }

  toString(): string {
    this.fold();
    return digestString(this.kind, BigInt(this.n), this.sum, (BigInt(this.xhi >>> 0) << 32n) | BigInt(this.xlo >>> 0));
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
