import { createHash } from 'node:crypto';
import { Prng } from './prng.ts';
import { DEFAULT_PIPELINE_STAGES } from './default-pipeline-stages.ts';

export type SeedRow = Record<string, unknown>;
export type Emit = (table: string, row: SeedRow) => void;

/** Hands out ids per table, starting after whatever the database already holds. */
export type NextId = (table: string) => number;

const BASE_MS = Date.UTC(2025, 0, 1);
const WORDS = [
  'acme',
  'nova',
  'orbit',
  'zen',
  'pixel',
  'delta',
  'lumen',
  'terra',
  'vega',
  'atlas',
  'Café',
  'Ñandú',
  'Größe',
  'naïve',
];
const EMOJI = ['🚀', '✨', '📈', '🤝', '💡', ''];
const INDUSTRIES = ['software', 'retail', 'health', 'education', 'finance', null];
const ACTIVITY_TYPES = ['call', 'email', 'meeting', 'note', 'task'];

/** 'YYYY-MM-DD HH:MM:SS.ffffff', accepted as-is by MariaDB DATETIME(6) and PostgreSQL TIMESTAMP(6). */
export function timestamp(p: Prng, spanDays = 365): string {
  const ms = BASE_MS + Math.floor(p.next() * spanDays * 86400000);
  const micros = String(p.int(0, 999)).padStart(3, '0');
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '') + micros;
}

function words(p: Prng, n: number): string {
  return Array.from({ length: n }, () => p.pick(WORDS)).join(' ');
}

/** A 19-digit BIGINT, kept as text so it never passes through a float. */
function bigint19(p: Prng): string {
  return `${p.int(1, 8)}${String(p.int(0, 999999999)).padStart(9, '0')}${String(p.int(0, 999999999)).padStart(9, '0')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

export interface TenantPlan {
  groupId: number;
  index: number;
  budget: number;
  userIds: readonly number[];
}

/**
 * Emits one tenant's rows in parent-before-child order. `budget` is the number of tenant-owned rows to aim for:
 * about 21 fixed rows plus 25 per "company unit" (contacts, deals, activities, jobs, posts, lists, events…).
 * Returns the tenant's API key.
 */
export function tenantRows(p: Prng, plan: TenantPlan, nextId: NextId, emit: Emit): string {
  const gid = plan.groupId;
  const created = timestamp(p);
  const label = `${words(p, 2)} ${plan.index} ${p.pick(EMOJI)}`.trim();
  emit('groups', { id: gid, type: 'tenant', uuid: p.uuid() });
  emit('groups_field_data', {
    id: gid,
    type: 'tenant',
    langcode: 'en',
    label,
    created,
    changed: created,
    default_langcode: true,
  });
  const tid = nextId('tenant');
  emit('tenant', { id: tid, uuid: p.uuid() });
  emit('tenant_field_data', {
    id: tid,
    langcode: 'en',
    group_id: gid,
    name: label,
    domain: `t${gid}.example.test`,
    plan: p.pick(['starter', 'growth', 'enterprise']),
    status: 'active',
    billing_email: p.chance(0.8) ? `billing@t${gid}.example.test` : null,
    settings: JSON.stringify({ locale: p.pick(['es', 'en', 'pt']), seats: p.int(1, 500) }),
    created,
    changed: created,
  });
  const apiKey = `tok_${p.hex(40)}`;
  emit('api_key', {
    id: nextId('api_key'),
    tenant_id: gid,
    key_hash: hashApiKey(apiKey),
    key_prefix: apiKey.slice(0, 8),
    label: 'default',
    created,
    last_used: null,
  });
  DEFAULT_PIPELINE_STAGES.forEach((s, position) =>
    emit('crm_pipeline_stage', { id: nextId('crm_pipeline_stage'), tenant_id: gid, ...s, position }),
  );
  const agents = [nextId('ai_agent'), nextId('ai_agent')];
  agents.forEach((id, i) =>
    emit('ai_agent', {
      id,
      tenant_id: gid,
      name: ['Sales assistant', 'Support triage'][i],
      model: p.pick(['small', 'medium', 'large']),
      config: JSON.stringify({ temperature: p.int(0, 10) / 10, tools: ['crm', 'email'] }),
      created,
    }),
  );
  const accounts = [nextId('social_account'), nextId('social_account')];
  accounts.forEach((id) =>
    emit('social_account', {
      id,
      tenant_id: gid,
      platform: p.pick(['x', 'linkedin', 'instagram']),
      handle: `@${p.hex(8)}`,
      created,
    }),
  );
  const lists = [nextId('email_list'), nextId('email_list')];
  lists.forEach((id, i) => emit('email_list', { id, tenant_id: gid, name: `List ${i + 1} ${words(p, 1)}`, created }));

  // 21 fixed rows (17 + the first membership) and ~25 per unit, memberships included.
  const units = Math.max(1, Math.round((plan.budget - 21) / 25));
  const memberships = 1 + Math.floor(units / 4);
  for (let m = 0; m < memberships; m++) {
    const rid = nextId('group_relationship');
    emit('group_relationship', { id: rid, type: 'tenant-group_membership', uuid: p.uuid() });
    emit('group_relationship_field_data', {
      id: rid,
      type: 'tenant-group_membership',
      langcode: 'en',
      gid,
      entity_id: p.pick(plan.userIds),
      plugin_id: 'group_membership',
      created: timestamp(p),
    });
    ['member', m === 0 ? 'admin' : 'editor'].forEach((role, delta) =>
      emit('group_relationship__group_roles', {
        bundle: 'tenant-group_membership',
        deleted: 0,
        entity_id: rid,
        revision_id: rid,
        langcode: 'en',
        delta,
        group_roles_target_id: `tenant-${role}`,
      }),
    );
  }

  for (let u = 0; u < units; u++) {
    const at = timestamp(p);
    const company = nextId('crm_company');
    emit('crm_company', {
      id: company,
      tenant_id: gid,
      name: `${words(p, 2)} ${p.pick(['S.L.', 'Inc.', 'GmbH', 'Ltd.'])}`,
      industry: p.pick(INDUSTRIES),
      website: p.chance(0.7) ? `https://${p.hex(6)}.example.test` : null,
      external_ref: bigint19(p),
      notes: p.chance(0.05) ? 'Long note. '.repeat(p.int(200, 1200)) : p.chance(0.5) ? words(p, 6) : null,
      created: at,
      changed: at,
    });
    const contacts = [nextId('crm_contact'), nextId('crm_contact')];
    contacts.forEach((id) =>
      emit('crm_contact', {
        id,
        tenant_id: gid,
        company_id: p.chance(0.9) ? company : null,
        full_name: `${p.pick(['Ana', 'José', 'Zoë', 'Łukasz', 'Mia', 'Noah'])} ${p.pick(['García', 'Smith', 'Müller', 'Øster'])}`,
        email: `c${id}@${p.hex(5)}.example.test`,
        phone: p.chance(0.6) ? `+34 6${p.int(10000000, 99999999)}` : null,
        created: at,
        changed: at,
      }),
    );
    const opps = [nextId('crm_opportunity'), nextId('crm_opportunity')];
    opps.forEach((id) => {
      const stage = p.pick(DEFAULT_PIPELINE_STAGES);
      const bant = [p.chance(0.5), p.chance(0.5), p.chance(0.5), p.chance(0.5)];
      emit('crm_opportunity', {
        id,
        tenant_id: gid,
        title: `Deal ${words(p, 2)}`,
        contact_id: p.chance(0.9) ? p.pick(contacts) : null,
        value: `${p.int(100, 9999999)}.${String(p.int(0, 9999)).padStart(4, '0')}`,
        stage: stage.machine_name,
        probability: stage.default_probability,
        expected_close: timestamp(p, 540).slice(0, 10),
        status: stage.is_won_stage ? 'won' : stage.is_lost_stage ? 'lost' : 'open',
        bant_budget: bant[0],
        bant_authority: bant[1],
        bant_need: bant[2],
        bant_timeline: bant[3],
        bant_score: bant.filter(Boolean).length * 25,
        notes: p.chance(0.3) ? words(p, 10) : null,
        closed_at: stage.is_won_stage || stage.is_lost_stage ? timestamp(p) : null,
        created: at,
        changed: at,
      });
    });
    for (let a = 0; a < 3; a++)
      emit('crm_activity', {
        id: nextId('crm_activity'),
        tenant_id: gid,
        subject: `Follow-up ${words(p, 2)}`,
        type: p.pick(ACTIVITY_TYPES),
        contact_id: p.pick(contacts),
        opportunity_id: p.chance(0.7) ? p.pick(opps) : null,
        body: p.chance(0.5) ? words(p, 12) : null,
        occurred_at: timestamp(p),
        created: at,
      });
    for (let e = 0; e < 2; e++) {
      const q = timestamp(p);
      emit('ai_agent_execution', {
        id: nextId('ai_agent_execution'),
        tenant_id: gid,
        agent_id: p.pick(agents),
        status: 'done',
        input: JSON.stringify({ prompt: words(p, 5) }),
        output: JSON.stringify({ text: words(p, 8), score: p.int(0, 100) }),
        tokens_used: p.int(50, 4000),
        cost: `0.${String(p.int(0, 999999)).padStart(6, '0')}`,
        attempts: 1,
        error: null,
        queued_at: q,
        started_at: q,
        completed_at: q,
        lease_owner: null,
        lease_expires_at: null,
      });
    }
    const post = nextId('social_post');
    emit('social_post', {
      id: post,
      tenant_id: gid,
      body: `${words(p, 8)} ${p.pick(EMOJI)}`,
      status: p.pick(['draft', 'published']),
      published_at: p.chance(0.5) ? timestamp(p) : null,
      likes: p.int(0, 5000),
      shares: p.int(0, 500),
      created: at,
    });
    accounts.forEach((acc, delta) =>
      emit('social_post__accounts', {
        bundle: 'social_post',
        deleted: 0,
        entity_id: post,
        revision_id: post,
        langcode: 'en',
        delta,
        accounts_target_id: acc,
      }),
    );
    const campaign = nextId('email_campaign');
    emit('email_campaign', {
      id: campaign,
      tenant_id: gid,
      subject: `News ${words(p, 3)}`,
      body: words(p, 30),
      status: p.pick(['draft', 'sent']),
      sent_at: p.chance(0.5) ? timestamp(p) : null,
      created: at,
    });
    lists.forEach((l, delta) =>
      emit('email_campaign__list_ids', {
        bundle: 'email_campaign',
        deleted: 0,
        entity_id: campaign,
        revision_id: campaign,
        langcode: 'en',
        delta,
        list_ids_target_id: l,
      }),
    );
    for (let s = 0; s < 2; s++) {
      const sub = nextId('email_subscriber');
      emit('email_subscriber', {
        id: sub,
        tenant_id: gid,
        email: `s${sub}@${p.hex(5)}.example.test`,
        name: p.chance(0.7) ? words(p, 2) : null,
        avatar: p.chance(0.5) ? p.bytes(p.int(0, 48)) : null,
        created: at,
      });
      lists.forEach((l, delta) =>
        emit('email_subscriber__lists', {
          bundle: 'email_subscriber',
          deleted: 0,
          entity_id: sub,
          revision_id: sub,
          langcode: 'en',
          delta,
          lists_target_id: l,
        }),
      );
    }
    for (let e = 0; e < 4; e++)
      emit('analytics_event', {
        id: nextId('analytics_event'),
        tenant_id: gid,
        name: p.pick(['page_view', 'signup', 'deal_created', 'email_open']),
        properties: JSON.stringify({ path: `/${words(p, 1)}`, n: p.int(0, 9) }),
        session_id: p.hex(16),
        occurred_at: timestamp(p),
      });
  }
  return apiKey;
}
