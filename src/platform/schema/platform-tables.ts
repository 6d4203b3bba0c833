import type { ColumnType } from '../../db/index.ts';
import type { ColumnDef, TableDef } from './table-def.ts';

const id: ColumnType = { kind: 'id' };
const bigint: ColumnType = { kind: 'bigint' };
const int: ColumnType = { kind: 'int' };
const small: ColumnType = { kind: 'smallint' };
const bool: ColumnType = { kind: 'bool' };
const text: ColumnType = { kind: 'text' };
const json: ColumnType = { kind: 'json' };
const blob: ColumnType = { kind: 'blob' };
const dt: ColumnType = { kind: 'datetime' };
const date: ColumnType = { kind: 'date' };
const vc = (length: number): ColumnType => ({ kind: 'varchar', length });
const dec = (precision: number, scale: number): ColumnType => ({ kind: 'decimal', precision, scale });
const col = (name: string, type: ColumnType, nullable = true): ColumnDef => ({ name, type, nullable });
const nn = (name: string, type: ColumnType): ColumnDef => col(name, type, false);

/** A tenant-owned entity table: id, tenant_id → groups.id, then its own columns. */
function entity(name: string, columns: ColumnDef[], refs: TableDef['foreignKeys'] = []): TableDef {
  return {
    name,
    columns: [nn('id', id), nn('tenant_id', bigint), ...columns],
    indexes: [{ columns: ['tenant_id'] }, ...refs.map((r) => ({ columns: [r.column] }))],
    foreignKeys: [{ column: 'tenant_id', table: 'groups' }, ...refs],
  };
}

/** A Drupal multi-value field table {entity}__{field}: no tenant_id, owned through entity_id. */
function fieldTable(entityName: string, field: string, target: string, targetType: ColumnType = bigint): TableDef {
  const targetColumn = `${field}_target_id`;
  return {
    name: `${entityName}__${field}`,
    columns: [
      nn('bundle', vc(128)),
      nn('deleted', small),
      nn('entity_id', bigint),
      nn('revision_id', bigint),
      nn('langcode', vc(32)),
      nn('delta', int),
      nn(targetColumn, targetType),
    ],
    primaryKey: ['entity_id', 'deleted', 'delta', 'langcode'],
    indexes: [{ columns: ['entity_id'] }, { columns: ['revision_id'] }, { columns: [targetColumn] }],
    foreignKeys: [
      { column: 'entity_id', table: entityName },
      ...(targetType.kind === 'bigint' ? [{ column: targetColumn, table: target }] : []),
    ],
  };
}

/**
 * The reference platform's storage, shaped like the host's Drupal 11 schema: entities split over a base table and
 * `_field_data`, multi-value field tables without tenant_id, no declared foreign keys unless asked for.
 */
export const PLATFORM_TABLES: TableDef[] = [
  // Global tables: they belong to no tenant.
  {
    name: 'users',
    global: true,
    columns: [nn('id', id), nn('name', vc(60)), col('mail', vc(254)), nn('created', dt)],
    indexes: [{ columns: ['name'], unique: true }],
  },
  { name: 'config', global: true, columns: [nn('name', vc(255)), col('data', blob)], primaryKey: ['name'] },
  {
    name: 'cache_default',
    global: true,
    columns: [nn('cid', vc(255)), col('data', blob), nn('expire', int), nn('created', dt)],
    primaryKey: ['cid'],
  },
  {
    name: 'watchdog',
    global: true,
    columns: [nn('wid', id), nn('type', vc(64)), col('message', text), nn('severity', small), nn('timestamp', dt)],
  },
  // Tenant = group.
  {
    name: 'groups',
    columns: [nn('id', id), nn('type', vc(32)), nn('uuid', vc(36))],
    indexes: [{ columns: ['uuid'], unique: true }],
  },
  {
    name: 'groups_field_data',
    columns: [
      nn('id', bigint),
      nn('type', vc(32)),
      nn('langcode', vc(12)),
      nn('label', vc(255)),
      nn('created', dt),
      nn('changed', dt),
      nn('default_langcode', bool),
    ],
    primaryKey: ['id', 'langcode'],
    foreignKeys: [{ column: 'id', table: 'groups' }],
  },
  {
    name: 'group_relationship',
    columns: [nn('id', id), nn('type', vc(64)), nn('uuid', vc(36))],
    indexes: [{ columns: ['uuid'], unique: true }],
  },
  {
    name: 'group_relationship_field_data',
    columns: [
      nn('id', bigint),
      nn('type', vc(64)),
      nn('langcode', vc(12)),
      nn('gid', bigint),
      nn('entity_id', bigint),
      nn('plugin_id', vc(64)),
      nn('created', dt),
    ],
    primaryKey: ['id', 'langcode'],
    indexes: [{ columns: ['gid'] }, { columns: ['entity_id'] }],
    foreignKeys: [
      { column: 'id', table: 'group_relationship' },
      { column: 'gid', table: 'groups' },
      { column: 'entity_id', table: 'users' },
    ],
  },
  fieldTable('group_relationship', 'group_roles', 'group_role', vc(255)),
  // The tenant entity: plan, billing and domain, linked to its group.
  { name: 'tenant', columns: [nn('id', id), nn('uuid', vc(36))], indexes: [{ columns: ['uuid'], unique: true }] },
  {
    name: 'tenant_field_data',
    columns: [
      nn('id', bigint),
      nn('langcode', vc(12)),
      nn('group_id', bigint),
      nn('name', vc(255)),
      col('domain', vc(255)),
      nn('plan', vc(32)),
      nn('status', vc(16)),
      col('billing_email', vc(254)),
      col('settings', json),
      nn('created', dt),
      nn('changed', dt),
    ],
    primaryKey: ['id', 'langcode'],
    indexes: [{ columns: ['group_id'] }],
    foreignKeys: [
      { column: 'id', table: 'tenant' },
      { column: 'group_id', table: 'groups' },
    ],
  },
  // CRM.
  entity('crm_company', [
    nn('name', vc(255)),
    col('industry', vc(64)),
    col('website', vc(255)),
    col('external_ref', bigint),
    col('notes', text),
    nn('created', dt),
    nn('changed', dt),
  ]),
  entity(
    'crm_contact',
    [
      col('company_id', bigint),
      nn('full_name', vc(255)),
      nn('email', vc(254)),
      col('phone', vc(32)),
      nn('created', dt),
      nn('changed', dt),
    ],
    [{ column: 'company_id', table: 'crm_company' }],
  ),
  entity('crm_pipeline_stage', [
    nn('name', vc(64)),
    nn('machine_name', vc(64)),
    nn('position', int),
    nn('default_probability', int),
    nn('is_won_stage', bool),
    nn('is_lost_stage', bool),
  ]),
  entity(
    'crm_opportunity',
    [
      nn('title', vc(255)),
      col('contact_id', bigint),
      nn('value', dec(32, 4)),
      nn('stage', vc(64)),
      nn('probability', int),
      col('expected_close', date),
      nn('status', vc(16)),
      nn('bant_budget', bool),
      nn('bant_authority', bool),
      nn('bant_need', bool),
      nn('bant_timeline', bool),
      nn('bant_score', small),
      col('notes', text),
      col('closed_at', dt),
      nn('created', dt),
      nn('changed', dt),
    ],
    [{ column: 'contact_id', table: 'crm_contact' }],
  ),
  entity(
    'crm_activity',
    [
      nn('subject', vc(255)),
      nn('type', vc(32)),
      col('contact_id', bigint),
      col('opportunity_id', bigint),
      col('body', text),
      nn('occurred_at', dt),
      nn('created', dt),
    ],
    [
      { column: 'contact_id', table: 'crm_contact' },
      { column: 'opportunity_id', table: 'crm_opportunity' },
    ],
  ),
  // AI agents; executions are also the job queue.
  entity('ai_agent', [nn('name', vc(128)), nn('model', vc(64)), col('config', json), nn('created', dt)]),
  {
    ...entity(
      'ai_agent_execution',
      [
        nn('agent_id', bigint),
        nn('status', vc(16)),
        col('input', json),
        col('output', json),
        nn('tokens_used', bigint),
        nn('cost', dec(14, 6)),
        nn('attempts', int),
        col('error', text),
        nn('queued_at', dt),
        col('started_at', dt),
        col('completed_at', dt),
        col('lease_owner', vc(64)),
        col('lease_expires_at', dt),
      ],
      [{ column: 'agent_id', table: 'ai_agent' }],
    ),
  },
  // Social.
  entity('social_account', [nn('platform', vc(32)), nn('handle', vc(128)), nn('created', dt)]),
  entity('social_post', [
    col('body', text),
    nn('status', vc(16)),
    col('published_at', dt),
    nn('likes', int),
    nn('shares', int),
    nn('created', dt),
  ]),
  fieldTable('social_post', 'accounts', 'social_account'),
  // Email.
  entity('email_list', [nn('name', vc(255)), nn('created', dt)]),
  entity('email_campaign', [
    nn('subject', vc(255)),
    col('body', text),
    nn('status', vc(16)),
    col('sent_at', dt),
    nn('created', dt),
  ]),
  fieldTable('email_campaign', 'list_ids', 'email_list'),
  entity('email_subscriber', [nn('email', vc(254)), col('name', vc(255)), col('avatar', blob), nn('created', dt)]),
  fieldTable('email_subscriber', 'lists', 'email_list'),
  // Keys and events.
  {
    ...entity('api_key', [
      nn('key_hash', vc(64)),
      nn('key_prefix', vc(16)),
      nn('label', vc(128)),
      nn('created', dt),
      col('last_used', dt),
    ]),
  },
  entity('analytics_event', [
    nn('name', vc(128)),
    col('properties', json),
    col('session_id', vc(64)),
    nn('occurred_at', dt),
  ]),
];

// Unique key hash; added here to keep the entity() helper simple.
PLATFORM_TABLES.find((t) => t.name === 'api_key')!.indexes!.push({ columns: ['key_hash'], unique: true });
PLATFORM_TABLES.find((t) => t.name === 'ai_agent_execution')!.indexes!.push({ columns: ['status', 'queued_at'] });
PLATFORM_TABLES.find((t) => t.name === 'analytics_event')!.indexes!.push({ columns: ['tenant_id', 'occurred_at'] });

export function platformTable(name: string): TableDef {
  const t = PLATFORM_TABLES.find((x) => x.name === name);
  if (!t) throw new Error(`unknown platform table ${name}`);
  return t;
}
