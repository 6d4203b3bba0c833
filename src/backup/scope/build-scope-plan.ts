import { TenantopsError } from '../../errors/index.ts';
import type { BackupConfig, TableRule } from '../config/backup-config.ts';
import { drupalPreset } from '../presets/drupal.ts';
import type { BackupDialect } from '../dialect/backup-dialect.ts';
import { columnOf, isPartitionOf, type SchemaInfo } from '../schema-info.ts';
import { globMatch } from './glob-match.ts';
import { TENANT, type Edge, type ScopeEntry, type ScopePlan } from './scope-plan.ts';

type PlanDialect = Pick<BackupDialect, 'quote' | 'from' | 'equalsExactly'>;

function ruleFor(config: BackupConfig, table: string): TableRule | undefined {
  if (config.tables[table]) return config.tables[table];
  const glob = Object.keys(config.tables).find((k) => /[*?]/.test(k) && globMatch(k, table));
  return glob ? config.tables[glob] : undefined;
}

function scopeError(msg: string): never {
  throw new TenantopsError('TENANTOPS_E_SCOPE', msg);
}

function splitRef(ref: string): [string, string] {
  const i = ref.indexOf('.');
  return [ref.slice(0, i), ref.slice(i + 1)];
}

/** Every reference the plan can follow: declared FKs, configured relations and preset rules. */
function collectEdges(schema: SchemaInfo, config: BackupConfig, presetEdges: Edge[]): Edge[] {
  const edges: Edge[] = [];
  for (const t of schema.values()) {
    for (const fk of t.foreignKeys) {
      // An FK into a partitioned table (PostgreSQL) names a table that holds no rows: they are in its partitions,
      // each a table of the schema, so the reference leads into every one of them (one parent, in whichever
      // partition holds the row).
      const into = schema.has(fk.refTable)
        ? [fk.refTable]
        : [...schema.values()].filter((p) => isPartitionOf(p, fk.refTable)).map((p) => p.name);
      for (const to of into)
        edges.push({
          from: t.name,
          columns: fk.columns,
          to,
          refColumns: fk.refColumns,
          source: 'foreign-key',
          ...(to === fk.refTable ? {} : { partitionOf: fk.refTable }),
        });
    }
  }
  config.relations.forEach((r, i) => {
    const [ft, fc] = splitRef(r.from);
    const [tt, tc] = splitRef(r.to);
    for (const [t, c, side] of [
      [ft, fc, 'from'],
      [tt, tc, 'to'],
    ] as const) {
      const info = schema.get(t);
      if (!info) scopeError(`relations[${i}].${side}: unknown table "${t}"`);
      if (!info.columns.some((x) => x.name === c))
        scopeError(`relations[${i}].${side}: table "${t}" has no column "${c}"`);
    }
    edges.push({ from: ft, columns: [fc], to: tt, refColumns: [tc], source: 'relation' });
  });
  return [...edges, ...presetEdges];
}

/** A table a child's predicate reads its parent's keys from, with the parent's own predicate. */
interface ParentRef {
  from: string;
  /** What the parent's columns are qualified with inside `from`. */
  name: string;
  columns: string[];
  refColumns: string[];
  predicate: string;
}

/**
 * The parents a child's predicate reads, one per reference, except that the partitions of one partitioned table
 * (PostgreSQL), all in the plan alike (one predicate that does not name the partition), are read as that table,
 * whole: one subquery instead of one per partition, which with 100 partitions made an unchanged restore 30 s
 * instead of 0.1. Partitions reached differently (one excluded, or a rule of its own) are read one by one.
 */
function readAs(
  into: readonly Edge[],
  schema: SchemaInfo,
  assigned: ReadonlyMap<string, ScopeEntry>,
  d: PlanDialect,
): ParentRef[] {
  const out: ParentRef[] = [];
  const one = (e: Edge): ParentRef => ({
    from: d.from(e.to),
    name: e.to,
    columns: e.columns,
    refColumns: e.refColumns,
    predicate: assigned.get(e.to)!.predicate,
  });
  const groups = new Map<string, Edge[]>();
  for (const e of into) {
    if (!e.partitionOf) out.push(one(e));
    else {
      const k = JSON.stringify([e.partitionOf, e.columns, e.refColumns]);
      groups.set(k, [...(groups.get(k) ?? []), e]);
    }
  }
  for (const g of groups.values()) {
    const table = g[0]!.partitionOf!;
    const partitions = [...schema.values()].filter((t) => isPartitionOf(t, table)).map((t) => t.name);
    const predicates = [...new Set(g.map((e) => assigned.get(e.to)!.predicate))];
    const whole =
      partitions.every((p) => g.some((e) => e.to === p)) &&
      predicates.length === 1 &&
      !partitions.some((p) => predicates[0]!.includes(d.quote(p)));
    if (whole)
      out.push({
        from: d.quote(table),
        name: table,
        columns: g[0]!.columns,
        refColumns: g[0]!.refColumns,
        predicate: predicates[0]!,
      });
    else out.push(...g.map(one));
  }
  return out;
}

/**
 * Decides which rows of which tables belong to one tenant, for any schema: the tenant row, tables with the tenant
 * column, configured filters and preset rules are roots; then, level by level, every table whose rows reference an
 * in-scope table joins through that reference (cycles end because a table joins once).
 */
export function buildScopePlan(schema: SchemaInfo, config: BackupConfig, d: PlanDialect): ScopePlan {
  const { quote } = d;
  const { table: tt, key: tk, column: tc } = config.tenant;
  const tenantInfo = schema.get(tt);
  if (!tenantInfo) scopeError(`tenant table "${tt}" does not exist; set tenant.table in tenantops.config.yaml`);
  if (!tenantInfo.columns.some((c) => c.name === tk))
    scopeError(`tenant table "${tt}" has no column "${tk}" (tenant.key)`);
  for (const [name, rule] of Object.entries(config.tables)) {
    if (!/[*?]/.test(name) && !schema.has(name)) scopeError(`tables.${name}: unknown table "${name}"`);
    if (rule.parent && !schema.has(rule.parent)) scopeError(`tables.${name}.parent: unknown table "${rule.parent}"`);
  }

  const preset = config.preset === 'drupal' ? drupalPreset(schema, tt, tc) : { roots: [], edges: [] };
  const edges = collectEdges(schema, config, preset.edges);
  const excluded = new Set([...schema.keys()].filter((t) => ruleFor(config, t)?.exclude));
  const assigned = new Map<string, ScopeEntry>();
  const order: string[] = [];
  const add = (e: ScopeEntry) => {
    assigned.set(e.table, e);
    order.push(e.table);
  };
  // The tenant id is compared the way the tenant key compares values, exactly: 'abc' never takes 'ABC''s rows. The
  // id of a text key is text also where a tenant column is an integer: '01' never takes tenant '1''s rows.
  const textId = !/int|serial|numeric|decimal/i.test(columnOf(tenantInfo, tk).type);
  const eq = (table: string, col: string) =>
    d.equalsExactly(quote(col), columnOf(schema.get(table)!, col), TENANT, textId);
  if (![...schema.values()].some((t) => t.columns.some((c) => c.name === tc)))
    scopeError(
      `tenant.column "${tc}" is a column of no table; set tenant.column to the column that holds the tenant id`,
    );

  if (excluded.has(tt)) scopeError(`tables.${tt}: the tenant table cannot be excluded`);
  add({
    table: tt,
    how: 'tenant-table',
    detail: `${tk} = :tenant`,
    predicate: eq(tt, tk),
    dependsOn: [],
    scopeColumns: [tk],
    parents: [],
  });
  for (const name of [...schema.keys()].sort()) {
    if (assigned.has(name) || excluded.has(name)) continue;
    const rule = ruleFor(config, name);
    const presetRoot = preset.roots.find((r) => r.table === name);
    if (rule?.where) {
      add({
        table: name,
        how: 'where',
        detail: rule.where,
        predicate: `(${rule.where.split(':tenant').join(TENANT)})`,
        dependsOn: [],
        scopeColumns: [],
        parents: [],
      });
    } else if (presetRoot && !rule?.parent) {
      add({
        table: name,
        how: 'preset',
        detail: presetRoot.detail,
        predicate: eq(name, presetRoot.column),
        dependsOn: [],
        scopeColumns: [presetRoot.column],
        parents: [],
      });
    } else if (!rule?.parent && schema.get(name)!.columns.some((c) => c.name === tc)) {
      add({
        table: name,
        how: 'tenant-column',
        detail: `${tc} = :tenant`,
        predicate: eq(name, tc),
        dependsOn: [],
        scopeColumns: [tc],
        parents: [],
      });
    }
  }

  const warnings: string[] = [];
  for (;;) {
    const level: ScopeEntry[] = [];
    for (const name of [...schema.keys()].sort()) {
      if (assigned.has(name) || excluded.has(name)) continue;
      const rule = ruleFor(config, name);
      let into = edges.filter((e) => e.from === name && e.to !== name && assigned.has(e.to));
      if (rule?.parent) into = into.filter((e) => e.to === rule.parent || e.partitionOf === rule.parent);
      if (into.length === 0) continue;
      const parents = [...new Set(into.map((e) => e.to))];
      // The partitions of one partitioned table are one parent to the reader: a row has its parent in one of them.
      const named = [...new Set(into.map((e) => e.partitionOf ?? e.to))];
      if (named.length > 1) {
        warnings.push(
          `${name} is reached through ${named.join(', ')}; a row is the tenant's only when all its parents are, and rows shared with another tenant are never restored or deleted. Set tables.${name}.parent to let one parent decide.`,
        );
      }
      const refs = readAs(into, schema, assigned, d);
      const terms = refs.map((r) => {
        const cols = r.columns.length === 1 ? quote(r.columns[0]!) : `(${r.columns.map(quote).join(', ')})`;
        return `${cols} IN (SELECT ${r.refColumns.map(quote).join(', ')} FROM ${r.from} WHERE ${r.predicate})`;
      });
      const reach = terms.length === 1 ? terms[0]! : `(${terms.join(' OR ')})`;
      // A row is the tenant's only if every parent it has leads to the tenant: a row whose other parent is
      // another tenant's is shared, and a restore must neither delete nor rewrite it. The parent is named, not
      // aliased, so that the parent's own predicate (which may name it too) still resolves inside.
      const notElsewhere = refs.map((r) => {
        const match = r.columns
          .map((c, i) => `${quote(r.name)}.${quote(r.refColumns[i]!)} = ${quote(name)}.${quote(c)}`)
          .join(' AND ');
        return `NOT EXISTS (SELECT 1 FROM ${r.from} WHERE ${match} AND NOT COALESCE((${r.predicate}), FALSE))`;
      });
      const how = into.some((e) => e.source === 'foreign-key')
        ? 'foreign-key'
        : into.some((e) => e.source === 'relation')
          ? 'relation'
          : 'preset';
      level.push({
        table: name,
        how,
        detail: [
          ...new Set(
            into.map(
              (e) => `${e.columns.join(',')} → ${e.partitionOf ?? e.to}.${e.refColumns.join(',')} (${e.source})`,
            ),
          ),
        ].join(' OR '),
        predicate: named.length > 1 ? `(${reach} AND ${notElsewhere.join(' AND ')})` : reach,
        reach: named.length > 1 ? reach : undefined,
        // One reference, possibly known twice (a declared FK that a preset rule also names).
        via:
          new Set(into.map((e) => JSON.stringify([e.to, e.columns, e.refColumns]))).size === 1
            ? { columns: into[0]!.columns, refColumns: into[0]!.refColumns }
            : undefined,
        dependsOn: parents,
        scopeColumns: [...new Set(into.flatMap((e) => e.columns))],
        parents,
      });
    }
    if (level.length === 0) break;
    level.forEach(add);
  }

  const entries = order.map((t) => assigned.get(t)!);
  const outOfScope = [...schema.keys()]
    .filter((t) => !assigned.has(t))
    .sort()
    .map((t) => ({
      table: t,
      reason: excluded.has(t)
        ? 'excluded by config'
        : `no ${tc} column and no reference into the tenant's rows (shared/global)`,
    }));
  const inScope = (t: string) => assigned.has(t);
  return {
    tenant: config.tenant,
    entries,
    outOfScope,
    external: edges.filter((e) => inScope(e.from) && !inScope(e.to) && schema.has(e.to)),
    internal: edges.filter((e) => inScope(e.from) && inScope(e.to)),
    incoming: edges.filter((e) => !inScope(e.from) && inScope(e.to) && schema.has(e.from)),
    warnings,
  };
}
