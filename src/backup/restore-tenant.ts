import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { batchInsert, type Db, type DbSession, type Engine } from '../db/index.ts';
import { backupDialectFor } from './dialect/backup-dialect-for.ts';
import { TenantopsError } from '../errors/index.ts';
import { readArchiveEntries } from './archive/archive-reader.ts';
import { ArchiveWriter } from './archive/archive-writer.ts';
import { canonicalRow, decodeRow } from './archive/canonical-row.ts';
import type { Manifest, ManifestTable } from './archive/manifest.ts';
import type { BackupConfig } from './config/backup-config.ts';
import type { BackupDialect } from './dialect/backup-dialect.ts';
import { writeTenant } from './backup-tenant.ts';
import { dumpRows, scopedSelect } from './dump-table.ts';
import { schemaDiff } from './schema-diff.ts';
import { bindTenant, type Edge, type ScopeEntry } from './scope/scope-plan.ts';
import { tenantScope, type TenantScope } from './tenant-scope.ts';
import { chunkOwner, verifyArchive } from './verify-archive.ts';

export interface RestoreOptions {
  archive: string;
  passphrase?: string;
  tenantId?: string;
  /** Overrides the config stored in the archive. */
  config?: BackupConfig;
  dryRun?: boolean;
  /** Where the safety backup goes. */
  safetyDir: string;
  onProgress?: (phase: string, table: string, rows: number) => void;
  /** Called after every check passed and before anything is written; throw to cancel (confirmation). */
  confirm?: (summary: RestorePlanSummary) => Promise<void>;
  /** Test-only: called at named points inside the transaction, so tests can kill the process there. */
  checkpoint?: (name: string) => Promise<void>;
}

export interface TableChange {
  table: string;
  current: number;
  archived: number;
  insert: number;
  update: number;
  delete: number;
  unchanged: number;
}

export interface RestorePlanSummary {
  tenantId: string;
  target: string;
  tables: TableChange[];
  notes: string[];
}

export interface RestoreResult extends RestorePlanSummary {
  dryRun: boolean;
  safetyBackup: string | null;
  restored: { table: string; rows: number }[];
  seconds: number;
}

const KEY_BATCH = 500;

function keyOf(values: unknown[], idx: number[]): string {
  return JSON.stringify(idx.map((i) => values[i]));
}

/** Iterates the archive's rows of every table, in file order, as decoded values. */
async function* archiveRows(
  opts: RestoreOptions,
  manifest: Manifest,
): AsyncIterable<{ table: ManifestTable; lines: string[] }> {
  const owners = chunkOwner(manifest);
  for await (const e of readArchiveEntries(opts.archive, opts.passphrase)) {
    const t = owners.get(e.name);
    if (!t) continue;
    const text = e.data.toString('utf8');
    yield { table: t, lines: text.split('\n').filter((l) => l.length > 0) };
  }
}

function tupleIn(d: BackupDialect, cols: readonly string[], n: number, first: number): string {
  let p = first;
  const one = () => (cols.length === 1 ? d.param(p++) : `(${cols.map(() => d.param(p++)).join(', ')})`);
  const lhs = cols.length === 1 ? d.quote(cols[0]!) : `(${cols.map(d.quote).join(', ')})`;
  return `${lhs} IN (${Array.from({ length: n }, one).join(', ')})`;
}

/**
 * Rows of other tenants (outside the predicate) holding any of these keys. Only the key's first column goes to the
 * server, as a plain IN list that an index serves on both engines (row-value IN lists over composite keys made
 * PostgreSQL scan); the full tuples are matched here.
 */
async function foreignHolders(
  s: DbSession,
  d: BackupDialect,
  table: string,
  entry: ScopeEntry,
  tenantId: string,
  cols: string[],
  keys: unknown[][],
): Promise<string[]> {
  const b = bindTenant(entry.predicate, tenantId, d.param);
  const firsts = [...new Set(keys.map((k) => String(k[0])))];
  // Placeholders in text order: MariaDB's `?` are positional, so the predicate's come first, as in the params.
  const sql = `SELECT ${cols.map(d.quote).join(', ')} FROM ${d.from(table)} WHERE NOT (COALESCE((${b.sql}), FALSE)) AND ${tupleIn(d, cols.slice(0, 1), firsts.length, b.params.length + 1)}`;
  const rows = await s.query(sql, [...b.params, ...firsts]);
  const wanted = new Set(
    keys.map((k) => JSON.stringify(k.map((v) => (Buffer.isBuffer(v) ? v.toString('hex') : String(v))))),
  );
  return rows
    .filter((r) =>
      wanted.has(
        JSON.stringify(cols.map((c) => (Buffer.isBuffer(r[c]) ? (r[c] as Buffer).toString('hex') : String(r[c])))),
      ),
    )
    .map((r) => cols.map((c) => `${c}=${String(r[c])}`).join(','));
}

/** Deletes one table's scoped rows: by predicate, or by primary-key batches where the engine needs that. */
async function deleteScoped(
  s: DbSession,
  d: BackupDialect,
  e: ScopeEntry,
  pk: readonly string[],
  tenantId: string,
): Promise<void> {
  const b = bindTenant(e.predicate, tenantId, d.param);
  if (!d.deleteByKeys || pk.length === 0) {
    await s.execute(`DELETE FROM ${d.from(e.table)} WHERE ${b.sql}`, b.params);
    return;
  }
  // Page by page, each page deleted before the next is read: memory stays bounded, and a page never needs a
  // cursor open on the table it deletes from.
  const select = `SELECT ${pk.map(d.quote).join(', ')} FROM ${d.from(e.table)} WHERE ${b.sql} LIMIT ${KEY_BATCH}`;
  for (;;) {
    const keys = (await s.query(select, b.params)).map((r) => pk.map((c) => r[c]));
    if (keys.length === 0) break;
    await s.execute(`DELETE FROM ${d.from(e.table)} WHERE ${tupleIn(d, pk, keys.length, 1)}`, keys.flat());
    if (keys.length < KEY_BATCH) break;
  }
}

async function runHook(name: string, cmd: string | undefined, tenantId: string): Promise<void> {
  if (!cmd) return;
  const r = spawnSync('sh', ['-c', cmd], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, TENANTOPS_TENANT: tenantId },
  });
  if (r.status !== 0) throw new TenantopsError('TENANTOPS_E_HOOK', `${name} hook failed (exit ${r.status}): ${cmd}`);
}

/**
 * Replaces one tenant's rows with an archive's, all or nothing, in one transaction: verify the archive; compare
 * schemas; refuse key collisions with other tenants and missing shared rows; write a safety backup of the current
 * rows; delete (children first); insert; check references; re-read and compare checksums; then commit.
 * The caller's `db` must be connected with values: 'text'.
 */
export async function restoreTenant(db: Db, opts: RestoreOptions): Promise<RestoreResult> {
  const t0 = performance.now();
  const manifest = await verifyArchive(opts.archive, opts.passphrase);
  if (opts.tenantId !== undefined && opts.tenantId !== manifest.tenantId) {
    throw new TenantopsError(
      'TENANTOPS_E_WRONG_TENANT',
      `archive holds tenant ${manifest.tenantId}, not tenant ${opts.tenantId}`,
    );
  }
  const tenantId = manifest.tenantId;
  const config = opts.config ?? manifest.config;
  // Archives move between engines that share a backup dialect (PostgreSQL and PGlite), never across dialects.
  if (
    !(manifest.engine in { mysql: 1, postgres: 1, pglite: 1 }) ||
    backupDialectFor(manifest.engine as Engine) !== backupDialectFor(db.target.engine)
  ) {
    throw new TenantopsError(
      'TENANTOPS_E_SCHEMA_MISMATCH',
      `archive is from ${manifest.engine}, target is ${db.target.engine}`,
    );
  }
  let safetyBackup: string | null = null;
  const result = await db.transaction(async (s) => {
    const scope = await tenantScope(db, s, config);
    const d = scope.dialect;
    const diff = schemaDiff(manifest, scope.schema, scope.plan);
    if (diff.problems.length) {
      throw new TenantopsError(
        'TENANTOPS_E_SCHEMA_MISMATCH',
        `archive does not fit the target schema (${diff.problems.length} differences)`,
        { details: diff.problems },
      );
    }
    const entries = new Map(scope.plan.entries.map((e) => [e.table, e]));
    const changes = await compare(s, scope, manifest, opts, tenantId, entries, !!opts.dryRun);
    await checkSharedRows(s, d, manifest);
    const summary: RestorePlanSummary = { tenantId, target: db.target.redacted, tables: changes, notes: diff.notes };
    if (opts.dryRun) return { ...summary, dryRun: true, safetyBackup: null, restored: [], seconds: 0 };
    await opts.confirm?.(summary);
    await runHook('beforeRestore', config.hooks.beforeRestore, tenantId);

    // 1. Safety backup of the current rows, inside this transaction, before anything changes.
    mkdirSync(opts.safetyDir, { recursive: true, mode: 0o700 });
    const safety = join(
      opts.safetyDir,
      `safety-tenant-${tenantId.replace(/[^A-Za-z0-9_-]/g, '_')}-${new Date().toISOString().replace(/[:.]/g, '-')}.tnt`,
    );
    const writer = ArchiveWriter.create(safety, opts.passphrase);
    try {
      const m = await writeTenant(db, s, scope, writer, { tenantId, config });
      await writer.addEntry('manifest.json', Buffer.from(JSON.stringify(m, null, 2)));
      await writer.finish();
    } catch (e) {
      await writer.abort();
      throw e;
    }
    safetyBackup = safety;
    await opts.checkpoint?.('after-safety-backup');

    const tables = scope.plan.entries.map((e) => scope.schema.get(e.table)!);
    const undo = await d.relaxConstraints(s, tables);
    try {
      // 2. Delete, children first: a table's predicate reads only tables earlier in the plan.
      for (const e of [...scope.plan.entries].reverse()) {
        await deleteScoped(s, d, e, scope.schema.get(e.table)!.primaryKey, tenantId);
        opts.onProgress?.('delete', e.table, 0);
      }
      await opts.checkpoint?.('after-delete');
      // 3. Insert, in archive order (parents first); shared parent rows only where missing.
      const restored = new Map<string, number>();
      for await (const { table, lines } of archiveRows(opts, manifest)) {
        let rows = lines.map(decodeRow);
        if (table.role === 'parent') rows = await missingOnly(s, d, table, rows);
        await batchInsert(s, { quoteIdent: d.quote, param: d.param }, table.name, table.columns, rows);
        restored.set(table.name, (restored.get(table.name) ?? 0) + rows.length);
        opts.onProgress?.('insert', table.name, restored.get(table.name)!);
        await opts.checkpoint?.('during-insert');
      }
      // 4. Referential integrity of what was restored, since checks were relaxed.
      await checkIntegrity(s, d, [...scope.plan.internal, ...scope.plan.external], entries, tenantId);
      // 5. Re-read and compare checksums before commit: catches triggers, ON UPDATE columns, collations.
      for (const t of manifest.tables.filter((x) => x.role === 'scope')) {
        const e = entries.get(t.name)!;
        const info = scope.schema.get(t.name)!;
        const r = await dumpRows(
          s,
          scopedSelect(d, t.name, t.columns, info.primaryKey, e.predicate, tenantId),
          t.columns,
        );
        if (r.sha256 !== t.sha256 || r.rows !== t.rows) await explainMismatch(s, scope, opts, manifest, t, e, tenantId);
      }
      await d.advanceSequences(s, tables);
      await opts.checkpoint?.('before-commit');
      return {
        ...summary,
        dryRun: false,
        safetyBackup,
        restored: manifest.tables.map((t) => ({ table: t.name, rows: restored.get(t.name) ?? 0 })),
        seconds: 0,
      };
    } finally {
      await undo();
    }
  });
  if (!result.dryRun) await runHook('afterRestore', config.hooks.afterRestore, tenantId);
  return { ...result, seconds: (performance.now() - t0) / 1000 };
}

/**
 * Per table: what a replace will do, and collisions with other tenants' keys (always checked, before any write).
 * Only a dry run pays for a row-by-row diff (insert / update / unchanged / delete by primary key), which holds one
 * table's keys and row hashes in memory; a real restore keeps memory bounded and reports delete-all/insert-all.
 */
async function compare(
  s: DbSession,
  scope: TenantScope,
  manifest: Manifest,
  opts: RestoreOptions,
  tenantId: string,
  entries: Map<string, ScopeEntry>,
  detailed: boolean,
): Promise<TableChange[]> {
  const d = scope.dialect;
  const byTable = new Map<string, TableChange>();
  const current = new Map<string, Map<string, string>>();
  const rowHash = (line: string) => createHash('sha1').update(line).digest('base64');
  for (const t of manifest.tables.filter((x) => x.role === 'scope')) {
    const e = entries.get(t.name)!;
    const info = scope.schema.get(t.name)!;
    const idx = (info.primaryKey.length ? info.primaryKey : t.columns).map((c) => t.columns.indexOf(c));
    const rows = new Map<string, string>();
    let count: number;
    if (detailed) {
      const q = scopedSelect(d, t.name, t.columns, info.primaryKey, e.predicate, tenantId);
      for await (const batch of s.stream(q.sql, q.params, 2000)) {
        for (const r of batch) {
          const line = canonicalRow(t.columns.map((c) => r[c]));
          rows.set(keyOf(JSON.parse(line) as unknown[], idx), rowHash(line));
        }
      }
      count = rows.size;
    } else {
      const b = bindTenant(e.predicate, tenantId, d.param);
      count = Number((await s.query(`SELECT COUNT(*) AS n FROM ${d.from(t.name)} WHERE ${b.sql}`, b.params))[0]!.n);
    }
    current.set(t.name, rows);
    byTable.set(t.name, {
      table: t.name,
      current: count,
      archived: t.rows,
      insert: detailed ? 0 : t.rows,
      update: 0,
      delete: detailed ? 0 : count,
      unchanged: 0,
    });
  }
  const collisions: string[] = [];
  for await (const { table, lines } of archiveRows(opts, manifest)) {
    if (table.role !== 'scope') continue;
    const info = scope.schema.get(table.name)!;
    const ch = byTable.get(table.name)!;
    const cur = current.get(table.name)!;
    const pkIdx = (info.primaryKey.length ? info.primaryKey : table.columns).map((c) => table.columns.indexOf(c));
    const uniques = [info.primaryKey, ...info.uniqueKeys].filter(
      (k) => k.length && k.every((c) => table.columns.includes(c)),
    );
    const newKeys: Map<string, unknown[][]> = new Map(uniques.map((u) => [u.join(','), []]));
    for (const line of lines) {
      if (detailed) {
        const k = keyOf(JSON.parse(line) as unknown[], pkIdx);
        const existing = cur.get(k);
        if (existing === undefined) ch.insert++;
        else if (existing === rowHash(line)) ch.unchanged++;
        else ch.update++;
        if (existing !== undefined) cur.delete(k);
      }
      const raw = decodeRow(line);
      for (const u of uniques) newKeys.get(u.join(','))!.push(u.map((c) => raw[table.columns.indexOf(c)]));
    }
    for (const u of uniques) {
      const keys = newKeys.get(u.join(','))!.filter((k) => k.every((v) => v !== null));
      for (let i = 0; i < keys.length; i += KEY_BATCH) {
        const found = await foreignHolders(
          s,
          d,
          table.name,
          entries.get(table.name)!,
          tenantId,
          u,
          keys.slice(i, i + KEY_BATCH),
        );
        for (const f of found) collisions.push(`${table.name} (${f}) belongs to another tenant`);
      }
    }
  }
  if (detailed) for (const [t, rows] of current) byTable.get(t)!.delete = rows.size;
  if (collisions.length) {
    throw new TenantopsError(
      'TENANTOPS_E_KEY_COLLISION',
      `${collisions.length} archive rows collide with other tenants' keys; nothing was written`,
      { details: collisions.slice(0, 50) },
    );
  }
  return [...byTable.values()];
}

/** Without --include-parents, every shared row the tenant references must already exist in the target. */
async function checkSharedRows(s: DbSession, d: BackupDialect, manifest: Manifest): Promise<void> {
  const missing: string[] = [];
  for (const ref of manifest.external) {
    if (manifest.tables.some((t) => t.role === 'parent' && t.name === ref.to)) continue;
    for (let i = 0; i < ref.keys.length; i += KEY_BATCH) {
      const keys = ref.keys.slice(i, i + KEY_BATCH);
      const rows = await s.query(
        `SELECT ${ref.refColumns.map(d.quote).join(', ')} FROM ${d.from(ref.to)} WHERE ${tupleIn(d, ref.refColumns, keys.length, 1)}`,
        keys.flat(),
      );
      const have = new Set(rows.map((r) => JSON.stringify(ref.refColumns.map((c) => String(r[c])))));
      for (const k of keys)
        if (!have.has(JSON.stringify(k)))
          missing.push(
            `${ref.to}(${ref.refColumns.join(',')})=(${k.join(',')}) referenced by ${ref.from}.${ref.columns.join(',')}`,
          );
    }
  }
  if (missing.length) {
    throw new TenantopsError(
      'TENANTOPS_E_MISSING_PARENTS',
      `${missing.length} shared rows the tenant references are missing in the target; back up with --include-parents`,
      {
        details: missing.slice(0, 50),
      },
    );
  }
}

async function missingOnly(
  s: DbSession,
  d: BackupDialect,
  table: ManifestTable,
  rows: unknown[][],
): Promise<unknown[][]> {
  const pk = table.fingerprint.primaryKey.length ? table.fingerprint.primaryKey : table.columns;
  const idx = pk.map((c) => table.columns.indexOf(c));
  const out: unknown[][] = [];
  for (let i = 0; i < rows.length; i += KEY_BATCH) {
    const chunk = rows.slice(i, i + KEY_BATCH);
    const keys = chunk.map((r) => idx.map((j) => r[j]));
    const found = await s.query(
      `SELECT ${pk.map(d.quote).join(', ')} FROM ${d.from(table.name)} WHERE ${tupleIn(d, pk, keys.length, 1)}`,
      keys.flat(),
    );
    const have = new Set(found.map((r) => JSON.stringify(pk.map((c) => String(r[c])))));
    for (const r of chunk) if (!have.has(JSON.stringify(idx.map((j) => String(r[j]))))) out.push(r);
  }
  return out;
}

async function checkIntegrity(
  s: DbSession,
  d: BackupDialect,
  edges: Edge[],
  entries: Map<string, ScopeEntry>,
  tenantId: string,
): Promise<void> {
  const broken: string[] = [];
  for (const e of edges) {
    const entry = entries.get(e.from);
    if (!entry) continue;
    const b = bindTenant(entry.predicate, tenantId, d.param);
    const notNull = e.columns.map((c) => `c.${d.quote(c)} IS NOT NULL`).join(' AND ');
    const join = e.columns.map((c, i) => `p.${d.quote(e.refColumns[i]!)} = c.${d.quote(c)}`).join(' AND ');
    // The predicate's column names are unqualified; they resolve to the outer (child) table.
    const r = await s.query<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM ${d.from(e.from)} c WHERE ${b.sql} AND ${notNull} AND NOT EXISTS (SELECT 1 FROM ${d.from(e.to)} p WHERE ${join})`,
      b.params,
    );
    const n = Number(r[0]!.n);
    if (n > 0)
      broken.push(
        `${n} rows of ${e.from}.${e.columns.join(',')} reference missing ${e.to}.${e.refColumns.join(',')} (${e.source})`,
      );
  }
  if (broken.length)
    throw new TenantopsError('TENANTOPS_E_INTEGRITY', `restored rows reference rows that do not exist; rolled back`, {
      details: broken,
    });
}

/** Finds the first row and column where the re-read data differs from the archive, then fails the restore. */
async function explainMismatch(
  s: DbSession,
  scope: TenantScope,
  opts: RestoreOptions,
  manifest: Manifest,
  t: ManifestTable,
  e: ScopeEntry,
  tenantId: string,
): Promise<never> {
  const info = scope.schema.get(t.name)!;
  const q = scopedSelect(scope.dialect, t.name, t.columns, info.primaryKey, e.predicate, tenantId);
  const now: string[] = [];
  for await (const batch of s.stream(q.sql, q.params, 2000))
    for (const r of batch) now.push(canonicalRow(t.columns.map((c) => r[c])));
  let i = 0;
  let detail = `row count ${now.length} vs ${t.rows}`;
  outer: for await (const { table, lines } of archiveRows(opts, manifest)) {
    if (table !== t) continue;
    for (const line of lines) {
      const got = now[i++];
      if (got !== line) {
        const a = JSON.parse(line) as unknown[];
        const b = got ? (JSON.parse(got) as unknown[]) : [];
        const col = t.columns.findIndex((_, j) => JSON.stringify(a[j]) !== JSON.stringify(b[j]));
        detail = `row ${i}: column ${t.columns[col] ?? '?'} is ${JSON.stringify(b[col])} after restore, ${JSON.stringify(a[col])} in the archive`;
        break outer;
      }
    }
  }
  throw new TenantopsError(
    'TENANTOPS_E_VERIFY_FAILED',
    `restored rows of ${t.name} differ from the archive (${detail}); a trigger, ON UPDATE column or collation changed them; rolled back`,
  );
}
