import type { DbSession } from '../../db/index.ts';
import { TenantopsError } from '../../errors/index.ts';
import { bindValue, parseRow, type CanonicalValue } from '../archive/canonical-row.ts';
import { queryLines, selectList } from '../dump-table.ts';
import { isPartitionOf, type ForeignKeyInfo } from '../schema-info.ts';
import { bindTenant } from '../scope/scope-plan.ts';
import type { TenantScope } from '../tenant-scope.ts';
import { keyMatch, keysIn } from './key-match.ts';
import { outsideReferrers } from './restore-checks.ts';
import { UPDATE_SEP, type RestorePlan, type TablePlan } from './restore-plan.ts';
import { touchedMismatch } from './touched-mismatch.ts';

/**
 * What deleting a referenced row does to a referencing row of the tenant: 'take' when it is deleted with it
 * (CASCADE), or when the DELETE fails while it exists (RESTRICT, or NO ACTION that SET CONSTRAINTS cannot defer: a
 * row whose key changed since the backup, its children carried along by ON UPDATE CASCADE, is deleted and inserted
 * again); 'reset' when its columns are set to NULL or their default; null when nothing happens before COMMIT.
 */
function effectOf(fk: ForeignKeyInfo, hasTriggers: boolean): 'take' | 'reset' | null {
  // Taking a row out and putting it back, or setting it back, fires the table's triggers, which the restore was
  // never asked to (checkTriggers sees the tables the plan writes): such a table is left to the server's action.
  if (hasTriggers) return null;
  const action = (fk.onDelete ?? 'NO ACTION').toUpperCase();
  if (action === 'CASCADE') return 'take';
  if (action === 'SET NULL' || action === 'SET DEFAULT') return 'reset';
  if (action === 'RESTRICT' || !fk.deferrable) return 'take';
  return null;
}

/** The current lines of a table's planned changes, by line, for telling what a row found by an FK is to the plan. */
interface PlanIndex {
  /** Current line → archive line of each planned update. */
  updates: Map<string, string>;
  /** Current lines of planned deletes, with their multiplicity (a table without a key holds duplicates). */
  deletes: Map<string, number>;
}

interface Puts {
  /** Archive lines of the rows taken out here, to insert again: parents first, in the order they were found. */
  reinsert: string[];
  /** Archive lines of rows whose FK columns the server set to NULL or their default: set back. */
  reset: { line: string; columns: string[] }[];
  /** Planned updates (by current line) whose row was taken out and goes back whole instead. */
  skipUpdates: Map<string, number>;
  /** Planned deletes (by current line) already done here, ahead of the table's own deletes. */
  deleted: Map<string, number>;
}

function take(m: Map<string, number>, k: string): boolean {
  const n = m.get(k) ?? 0;
  if (!n) return false;
  if (n === 1) m.delete(k);
  else m.set(k, n - 1);
  return true;
}

const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Where the engine runs an FK's ON DELETE action at the restore's DELETE (PostgreSQL: CASCADE, SET NULL and SET
 * DEFAULT run at the statement, deferred or not), deleting a row the archive does not hold would also delete or
 * rewrite the tenant's rows that reference it: rows the plan updates (the update then finds nothing) or keeps
 * (the tenant then lacks them). Before each delete, this finds those rows, takes out the ones a CASCADE would
 * delete (their own referrers first, the same way) and remembers to put every one back with the archive's values
 * once their parents are in place. Other tenants' rows never get here: a restore that removes a row they
 * reference is refused before any write (checkReferencedRows).
 */
export class FkActionVictims {
  private readonly puts = new Map<string, Puts>();
  private readonly indexes = new Map<string, PlanIndex>();
  private readonly byName: Map<string, TablePlan>;
  private readonly busy = new Set<string>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly s: DbSession,
    private readonly scope: TenantScope,
    private readonly plan: RestorePlan,
  ) {
    this.byName = new Map(plan.tables.map((t) => [t.table, t]));
  }

  private putsOf(table: string): Puts {
    let p = this.puts.get(table);
    if (!p) {
      p = { reinsert: [], reset: [], skipUpdates: new Map(), deleted: new Map() };
      this.puts.set(table, p);
    }
    return p;
  }

  private indexOf(t: TablePlan): PlanIndex {
    let ix = this.indexes.get(t.table);
    if (!ix) {
      // Memory: the lines of this table's planned changes, which the damage decides; only tables that an FK
      // action reaches from a delete are indexed.
      ix = { updates: new Map(), deletes: new Map() };
      for (const b of t.updates.batches(1000))
        for (const l of b) {
          const i = l.indexOf(UPDATE_SEP);
          ix.updates.set(l.slice(i + 1), l.slice(0, i));
        }
      for (const b of t.deletes.batches(1000)) for (const l of b) add(ix.deletes, l);
      this.indexes.set(t.table, ix);
    }
    return ix;
  }

  /** The FKs of the tenant's tables into `table` whose ON DELETE action changes the referencing rows. */
  private referrers(table: string): { child: TablePlan; fk: ForeignKeyInfo; predicate: string }[] {
    const out: { child: TablePlan; fk: ForeignKeyInfo; predicate: string }[] = [];
    for (const e of this.scope.plan.entries) {
      const child = this.byName.get(e.table);
      if (!child || child.role !== 'scope') continue;
      for (const fk of this.scope.schema.get(e.table)!.foreignKeys) {
        if (!effectOf(fk, this.scope.schema.get(e.table)!.triggers.length > 0)) continue;
        if (fk.refTable !== table && !isPartitionOf(this.scope.schema.get(table), fk.refTable)) continue;
        out.push({ child, fk, predicate: e.predicate });
      }
    }
    return out;
  }

  /** Planned deletes of `table` that were already done ahead of its own deletes: not deleted again. */
  alreadyDeleted(table: string, line: string): boolean {
    const p = this.puts.get(table);
    return !!p && take(p.deleted, line);
  }

  /** Called before `rows` (current versions) of `parent` are deleted. */
  async beforeDelete(parent: TablePlan, rows: readonly (readonly CanonicalValue[])[]): Promise<void> {
    if (!this.scope.dialect.foreignKeysAtStatement || !rows.length) return;
    const d = this.scope.dialect;
    for (const { child, fk, predicate } of this.referrers(parent.table)) {
      const seen = new Map<string, CanonicalValue[]>();
      for (const k of await this.referencedKeys(parent, fk, rows))
        if (k.every((v) => v !== null)) seen.set(JSON.stringify(k), k);
      if (!seen.size) continue;
      const info = this.scope.schema.get(child.table)!;
      const b = bindTenant(predicate, this.plan.tenantId, d.param);
      const m = keysIn(d, info, fk.columns, [...seen.values()], b.params.length + 1);
      const found = await queryLines(
        this.s,
        {
          sql: `SELECT ${selectList(d, info, child.columns)} FROM ${d.from(child.table)} WHERE ${b.sql} AND ${m.sql}`,
          params: [...b.params, ...m.params],
        },
        child.columns,
      );
      if (!found.length) continue;
      if (info.columns.some((c) => !c.generated && !child.columns.includes(c.name)))
        throw new TenantopsError(
          'TENANTOPS_E_VERIFY_FAILED',
          `deleting rows of ${parent.table} would run the ON DELETE ${fk.onDelete} of ${child.table}(${fk.columns.join(', ')}) on ${found.length} of the tenant's rows, which cannot be put back: ${child.table} has columns the archive lacks; rolled back`,
        );
      await this.handle(child, fk, found);
    }
  }

  /**
   * The values of `fk`'s referenced columns in `rows`. A generated column (PostgreSQL allows a key on a STORED one)
   * is not in the archive's columns: its values are read from the rows themselves, before they are deleted (until
   * 2026-12-08 such an FK was passed over, and a NOT DEFERRABLE one failed the restore: a changed row of a table
   * matched by its whole row is deleted and inserted again).
   */
  private async referencedKeys(
    parent: TablePlan,
    fk: ForeignKeyInfo,
    rows: readonly (readonly CanonicalValue[])[],
  ): Promise<CanonicalValue[][]> {
    const at = fk.refColumns.map((c) => parent.columns.indexOf(c));
    if (at.every((i) => i >= 0)) return rows.map((r) => at.map((i) => r[i]!));
    const d = this.scope.dialect;
    const info = this.scope.schema.get(parent.table)!;
    const m = keyMatch(d, info, parent.spec, rows, 1);
    const lines = await queryLines(
      this.s,
      {
        sql: `SELECT ${selectList(d, info, fk.refColumns)} FROM ${d.from(parent.table)} WHERE ${m.sql}`,
        params: m.params,
      },
      fk.refColumns,
    );
    return lines.map(parseRow);
  }

  private async handle(child: TablePlan, fk: ForeignKeyInfo, found: string[]): Promise<void> {
    const ix = this.indexOf(child);
    const p = this.putsOf(child.table);
    const taken = effectOf(fk, this.scope.schema.get(child.table)!.triggers.length > 0) === 'take';
    const cascade = taken || child.spec.wholeRow;
    const out: string[] = [];
    const count = () => this.counts.set(child.table, (this.counts.get(child.table) ?? 0) + 1);
    for (const line of found) {
      const mark = `${child.table}\n${line}`;
      if (this.busy.has(mark)) continue;
      const next = ix.updates.get(line);
      if (next === undefined && (ix.deletes.get(line) ?? 0) > 0) {
        // A planned delete: the action does what the plan wants. Done now, so the table's own delete skips it.
        if (!cascade) continue;
        take(ix.deletes, line);
        add(p.deleted, line);
      } else if (cascade) {
        p.reinsert.push(next ?? line);
        if (next !== undefined) add(p.skipUpdates, line);
        count();
      } else {
        p.reset.push({ line: next ?? line, columns: fk.columns });
        count();
        continue;
      }
      this.busy.add(mark);
      out.push(line);
    }
    if (!out.length) return;
    const rows = out.map(parseRow);
    // Taken out, these rows would take along (CASCADE) or strand (a dangling row where FKs are not checked) the
    // rows of other tenants or schemas that reference them: never, as for the rows the plan deletes itself.
    const outside = await outsideReferrers(this.s, this.scope, this.plan.tenantId, child.table, child.columns, rows);
    if (outside.length)
      throw new TenantopsError(
        'TENANTOPS_E_SHARED_ROWS',
        `${outside.length} rows outside the tenant reference rows of ${child.table} that an ON DELETE action from ${fk.refTable} reaches; rolled back`,
        { details: outside.slice(0, 50) },
      );
    // Their own referrers first, then the rows themselves: what the CASCADE would have done, one level at a time.
    await this.beforeDelete(child, rows);
    const d = this.scope.dialect;
    const info = this.scope.schema.get(child.table)!;
    for (const r of child.spec.wholeRow ? rows.map((x) => [x]) : [rows]) {
      const m = keyMatch(d, info, child.spec, r, 1);
      const sql = child.spec.wholeRow
        ? d.deleteOne(child.table, m.sql)
        : `DELETE FROM ${d.from(child.table)} WHERE ${m.sql}`;
      const res = await this.s.execute(sql, m.params);
      if (res.affectedRows !== r.length) throw touchedMismatch('a delete', child.table, r.length, res.affectedRows);
    }
  }

  /** Whether a planned update (by its current line) is replaced by putting the row back whole. */
  skipsUpdate(table: string, prevLine: string): boolean {
    const p = this.puts.get(table);
    return !!p && take(p.skipUpdates, prevLine);
  }

  /**
   * Puts back what the actions took, once the table's parents are in place: rows taken out go back with the
   * archive's values, and FK columns the server set to NULL or their default are set to the archive's.
   */
  async putBack(t: TablePlan, stage: 'reinsert' | 'reset'): Promise<number> {
    const p = this.puts.get(t.table);
    if (!p) return 0;
    const d = this.scope.dialect;
    const info = this.scope.schema.get(t.table)!;
    let n = 0;
    if (stage === 'reinsert') {
      const head = d.insertHead(info, t.columns);
      for (const line of p.reinsert.splice(0)) {
        const r = parseRow(line);
        const params: unknown[] = [];
        const ph: string[] = [];
        for (const [i, v] of r.entries()) {
          const staged = await d.stageLargeValue(this.s, bindValue(v), i);
          ph.push(staged ?? (params.push(bindValue(v)), d.param(params.length)));
        }
        const res = await this.s.execute(`${head}(${ph.join(', ')})`, params);
        if (res.affectedRows !== 1) throw touchedMismatch('an insert', t.table, 1, res.affectedRows);
        n++;
      }
      return n;
    }
    for (const { line, columns } of p.reset.splice(0)) {
      const r = parseRow(line);
      const params: unknown[] = columns.map((c) => bindValue(r[t.columns.indexOf(c)]!));
      const sets = columns.map((c, i) => `${d.quote(c)} = ${d.param(i + 1)}`);
      const m = keyMatch(d, info, t.spec, [r], params.length + 1);
      const res = await this.s.execute(`UPDATE ${d.from(t.table)} SET ${sets.join(', ')} WHERE ${m.sql}`, [
        ...params,
        ...m.params,
      ]);
      if (res.affectedRows !== 1) throw touchedMismatch('an update', t.table, 1, res.affectedRows);
      n++;
    }
    return n;
  }

  /** One note per table whose rows an FK action reached, for the result. */
  notes(): string[] {
    return [...this.counts].map(
      ([t, n]) => `${t}: ${n} rows reached by an ON DELETE action or check were put back with the archive's values`,
    );
  }
}
