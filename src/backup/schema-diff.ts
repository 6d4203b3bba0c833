import type { Manifest } from './archive/manifest.ts';
import type { SchemaInfo } from './schema-info.ts';
import type { ScopePlan } from './scope/scope-plan.ts';

export interface SchemaDiff {
  /** Differences that make a restore unsafe. */
  problems: string[];
  /** Differences a restore tolerates (a column added with a default), reported. */
  notes: string[];
}

/** Compares the archive's fingerprints and scope with the target database. */
export function schemaDiff(manifest: Manifest, schema: SchemaInfo, plan: ScopePlan | null): SchemaDiff {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const t of manifest.tables) {
    const target = schema.get(t.name);
    if (!target) {
      problems.push(`table ${t.name}: missing in the target`);
      continue;
    }
    for (const c of t.fingerprint.columns) {
      const tc = target.columns.find((x) => x.name === c.name);
      if (!tc) problems.push(`table ${t.name}: column ${c.name} missing in the target`);
      else if (tc.type !== c.type)
        problems.push(`table ${t.name}: column ${c.name} is ${tc.type} in the target, ${c.type} in the archive`);
      else if (tc.nullable !== c.nullable) problems.push(`table ${t.name}: column ${c.name} nullability differs`);
    }
    // A safety backup's list of rows to remove carries their identity only.
    for (const tc of t.role === 'undo-remove' ? [] : target.columns) {
      if (tc.generated || t.columns.includes(tc.name)) continue;
      if (tc.nullable || tc.hasDefault)
        notes.push(`table ${t.name}: column ${tc.name} exists only in the target; restored rows get its default`);
      else
        problems.push(`table ${t.name}: column ${tc.name} exists only in the target and is NOT NULL without a default`);
    }
    if (JSON.stringify(target.primaryKey) !== JSON.stringify(t.fingerprint.primaryKey)) {
      problems.push(
        `table ${t.name}: primary key (${target.primaryKey.join(', ')}) in the target, (${t.fingerprint.primaryKey.join(', ')}) in the archive`,
      );
    }
  }
  if (plan) {
    // A safety backup names every in-scope table in its digests, changed or not.
    const archived = new Set(
      manifest.kind === 'undo'
        ? Object.keys(manifest.before ?? {})
        : manifest.tables.filter((t) => t.role === 'scope').map((t) => t.name),
    );
    for (const e of plan.entries)
      if (!archived.has(e.table))
        problems.push(`table ${e.table}: in the tenant's scope on the target but not in the archive`);
    const planned = new Set(plan.entries.map((e) => e.table));
    for (const t of archived)
      if (!planned.has(t)) problems.push(`table ${t}: in the archive but not in the tenant's scope on the target`);
  }
  return { problems, notes };
}
