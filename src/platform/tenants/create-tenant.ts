import { randomUUID } from 'node:crypto';
import type { Db } from '../../db/index.ts';
import { DEFAULT_PIPELINE_STAGES } from '../seed/default-pipeline-stages.ts';
import { nowText } from '../routes/route-schemas.ts';
import { createApiKey } from './create-api-key.ts';
import { insertInto, type Sql } from '../sql.ts';

export interface CreateTenantInput {
  name: string;
  plan?: string;
  domain?: string | null;
  /** How many AI agents to create (at least one). */
  agents?: number;
}

export interface CreatedTenant {
  id: number;
  name: string;
  plan: string;
  domain: string | null;
  api_key: string;
  key_prefix: string;
  agents: { id: number; name: string }[];
  pipeline_stages: string[];
}

const AGENT_NAMES = ['Sales assistant', 'Support triage', 'Lead scorer', 'Content writer', 'Churn predictor'];

/**
 * A tenant the way the host stores one: a `groups` row of type tenant (the tenant id), its field data, the `tenant`
 * entity linked through group_id, the default pipeline, agents and one API key — in one transaction.
 */
export async function createTenant(db: Db, input: CreateTenantInput): Promise<CreatedTenant> {
  const d = db.dialect;
  const plan = input.plan ?? 'starter';
  const domain = input.domain ?? null;
  const agentCount = Math.max(1, input.agents ?? 2);
  return db.transaction(async (s) => {
    const now = nowText();
    const gid = Number(
      (await s.execute(d.insertReturningId('groups', ['type', 'uuid']), ['tenant', randomUUID()])).insertId,
    );
    const exec = (stmt: Sql) => {
      const { text, params } = stmt.render(d);
      return s.execute(text, params);
    };
    await exec(
      insertInto('groups_field_data', {
        id: gid,
        type: 'tenant',
        langcode: 'en',
        label: input.name,
        created: now,
        changed: now,
        default_langcode: true,
      }),
    );
    const tid = Number((await s.execute(d.insertReturningId('tenant', ['uuid']), [randomUUID()])).insertId);
    await exec(
      insertInto('tenant_field_data', {
        id: tid,
        langcode: 'en',
        group_id: gid,
        name: input.name,
        domain,
        plan,
        status: 'active',
        created: now,
        changed: now,
      }),
    );
    const stageCols = [
      'tenant_id',
      'name',
      'machine_name',
      'position',
      'default_probability',
      'is_won_stage',
      'is_lost_stage',
    ];
    for (const [position, st] of DEFAULT_PIPELINE_STAGES.entries()) {
      await s.execute(d.insertReturningId('crm_pipeline_stage', stageCols), [
        gid,
        st.name,
        st.machine_name,
        position,
        st.default_probability,
        st.is_won_stage,
        st.is_lost_stage,
      ]);
    }
    const agents: { id: number; name: string }[] = [];
    for (let i = 0; i < agentCount; i++) {
      const name = AGENT_NAMES[i % AGENT_NAMES.length]! + (i >= AGENT_NAMES.length ? ` ${i + 1}` : '');
      const r = await s.execute(d.insertReturningId('ai_agent', ['tenant_id', 'name', 'model', 'config', 'created']), [
        gid,
        name,
        'small',
        JSON.stringify({ temperature: 0.2 }),
        now,
      ]);
      agents.push({ id: Number(r.insertId), name });
    }
    const key = await createApiKey(s, d, gid);
    return {
      id: gid,
      name: input.name,
      plan,
      domain,
      api_key: key.apiKey,
      key_prefix: key.keyPrefix,
      agents,
      pipeline_stages: DEFAULT_PIPELINE_STAGES.map((x) => x.machine_name),
    };
  });
}
