import type { TableInfo } from '../schema-info.ts';
import type { Edge } from '../scope/scope-plan.ts';

const FAMILY_SUFFIXES = ['_field_revision', '_field_data', '_revision', ''];

/** The tenant key column of an entity family, as the host's Drupal stores it. */
function familyKey(entity: string, tenantTable: string, tenantColumn: string): string {
  if (entity === tenantTable) return 'id';
  if (entity.startsWith('group_relationship')) return 'gid';
  if (entity === 'tenant') return 'group_id';
  return tenantColumn;
}

export interface PresetRules {
  /** Tables owned directly: `column = :tenant`. */
  roots: { table: string; column: string; detail: string }[];
  /** Implicit references the preset knows about. */
  edges: Edge[];
}

/**
 * Drupal storage: entity X is split over X, X_field_data, X_revision, X_field_revision sharing the entity id;
 * whichever of them carries the tenant key decides for all; field tables X__F and X_revision__F belong to X by
 * entity_id.
 */
export function drupalPreset(
  tables: ReadonlyMap<string, TableInfo>,
  tenantTable: string,
  tenantColumn: string,
): PresetRules {
  const rules: PresetRules = { roots: [], edges: [] };
  const has = (t: string, c: string) => !!tables.get(t)?.columns.some((x) => x.name === c);
  const entities = new Set<string>();
  for (const name of tables.keys()) {
    if (name.includes('__')) continue;
    for (const s of FAMILY_SUFFIXES) {
      if (s && name.endsWith(s) && tables.has(name.slice(0, -s.length))) entities.add(name.slice(0, -s.length));
    }
    if (has(name, 'id')) entities.add(name);
  }
  for (const entity of entities) {
    const key = familyKey(entity, tenantTable, tenantColumn);
    const members = FAMILY_SUFFIXES.map((s) => entity + s).filter((t) => tables.has(t) && has(t, 'id'));
    const carriers = members.filter((t) => has(t, key));
    if (carriers.length === 0) continue;
    for (const c of carriers)
      rules.roots.push({ table: c, column: key, detail: `${key} = :tenant (drupal: ${entity} entity)` });
    for (const m of members) {
      if (carriers.includes(m)) continue;
      // Ownership flows from the member that carries the key to its siblings through the shared entity id.
      rules.edges.push({ from: m, columns: ['id'], to: carriers[0]!, refColumns: ['id'], source: 'preset' });
    }
  }
  for (const name of tables.keys()) {
    const i = name.indexOf('__');
    if (i <= 0 || !has(name, 'entity_id')) continue;
    let entity = name.slice(0, i);
    if (entity.endsWith('_revision') && !tables.has(entity)) entity = entity.slice(0, -'_revision'.length);
    else if (entity.endsWith('_revision') && tables.has(entity.slice(0, -'_revision'.length)))
      entity = entity.slice(0, -'_revision'.length);
    if (!tables.has(entity) || !has(entity, 'id')) continue;
    rules.edges.push({ from: name, columns: ['entity_id'], to: entity, refColumns: ['id'], source: 'preset' });
  }
  return rules;
}
