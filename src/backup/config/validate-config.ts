import { TenantopsError } from '../../errors/index.ts';
import { DEFAULT_CONFIG, type BackupConfig } from './backup-config.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

const COLUMN_REF = /^[^.\s]+\.[^.\s]+$/;

/**
 * Collects every problem instead of stopping at the first: someone fixing a config file by hand should see the
 * whole list in one run, each naming its path (e.g. `tables.rental.parent`).
 */
class Problems {
  readonly list: string[] = [];

  add(path: string, what: string): undefined {
    this.list.push(`${path}: ${what}`);
    return undefined;
  }

  str(v: unknown, path: string): string | undefined {
    return typeof v === 'string' && v !== '' ? v : this.add(path, 'must be a non-empty string');
  }

  /** True when `v` is a mapping; otherwise records `what` for `path`. */
  obj(v: unknown, path: string, what: string): v is Obj {
    if (isObj(v)) return true;
    this.add(path, what);
    return false;
  }

  only(o: Obj, path: string, keys: string[]): void {
    for (const k of Object.keys(o))
      if (!keys.includes(k))
        this.add(`${path}.${k}`.replace(/^\./, ''), `unknown key (expected one of ${keys.join(', ')})`);
  }
}

function tenantRules(raw: Obj, cfg: BackupConfig, p: Problems): void {
  if (raw.tenant === undefined) return;
  if (!p.obj(raw.tenant, 'tenant', 'must be a mapping like { table: groups, key: id, column: tenant_id }')) return;
  const t = raw.tenant;
  p.only(t, 'tenant', ['table', 'key', 'column']);
  for (const k of ['table', 'key', 'column'] as const)
    if (t[k] !== undefined) cfg.tenant[k] = p.str(t[k], `tenant.${k}`) ?? cfg.tenant[k];
}

function tableRules(raw: Obj, cfg: BackupConfig, p: Problems): void {
  if (raw.tables === undefined) return;
  if (!p.obj(raw.tables, 'tables', 'must be a mapping of table name (or glob) to rules')) return;
  for (const [name, rule] of Object.entries(raw.tables)) {
    const at = `tables.${name}`;
    if (!p.obj(rule, at, 'must be a mapping like { parent: … } or { where: … } or { exclude: true }')) continue;
    p.only(rule, at, ['parent', 'where', 'exclude']);
    if (rule.exclude !== undefined && typeof rule.exclude !== 'boolean')
      p.add(`${at}.exclude`, 'must be true or false');
    const where = rule.where === undefined ? undefined : p.str(rule.where, `${at}.where`);
    if (where !== undefined && !where.includes(':tenant')) p.add(`${at}.where`, 'must use :tenant');
    const parent = rule.parent === undefined ? undefined : p.str(rule.parent, `${at}.parent`);
    cfg.tables[name] = {
      ...(parent !== undefined ? { parent } : {}),
      ...(where !== undefined ? { where } : {}),
      ...(typeof rule.exclude === 'boolean' ? { exclude: rule.exclude } : {}),
    };
  }
}

function relations(raw: Obj, cfg: BackupConfig, p: Problems): void {
  if (raw.relations === undefined) return;
  if (!Array.isArray(raw.relations)) {
    p.add('relations', 'must be a list of { from: table.column, to: table.column }');
    return;
  }
  raw.relations.forEach((r: unknown, i) => {
    const at = `relations[${i}]`;
    if (!p.obj(r, at, 'must be a mapping { from, to }')) return;
    p.only(r, at, ['from', 'to']);
    const from = p.str(r.from, `${at}.from`);
    const to = p.str(r.to, `${at}.to`);
    if (from !== undefined && !COLUMN_REF.test(from)) p.add(`${at}.from`, `"${from}" must look like table.column`);
    if (to !== undefined && !COLUMN_REF.test(to)) p.add(`${at}.to`, `"${to}" must look like table.column`);
    if (from !== undefined && to !== undefined) cfg.relations.push({ from, to });
  });
}

function environments(raw: Obj, cfg: BackupConfig, p: Problems): void {
  if (raw.environments === undefined) return;
  if (!p.obj(raw.environments, 'environments', 'must be a mapping of name to { url } or { lando: true }')) return;
  for (const [name, env] of Object.entries(raw.environments)) {
    const at = `environments.${name}`;
    if (!p.obj(env, at, 'must be a mapping')) continue;
    p.only(env, at, ['url', 'lando', 'service']);
    if (env.url === undefined && env.lando !== true) p.add(at, 'needs url or lando: true');
    const url = env.url === undefined ? undefined : p.str(env.url, `${at}.url`);
    const service = env.service === undefined ? undefined : p.str(env.service, `${at}.service`);
    cfg.environments[name] = {
      ...(url !== undefined ? { url } : {}),
      ...(env.lando !== undefined ? { lando: env.lando === true } : {}),
      ...(service !== undefined ? { service } : {}),
    };
  }
}

function hooks(raw: Obj, cfg: BackupConfig, p: Problems): void {
  if (raw.hooks === undefined) return;
  if (!p.obj(raw.hooks, 'hooks', 'must be a mapping')) return;
  p.only(raw.hooks, 'hooks', ['beforeRestore', 'afterRestore']);
  for (const k of ['beforeRestore', 'afterRestore'] as const)
    if (raw.hooks[k] !== undefined) cfg.hooks[k] = p.str(raw.hooks[k], `hooks.${k}`);
}

/**
 * Checks a parsed config file and fills defaults. Every problem is reported at once, each naming its path; the
 * error names `source` (the file) too.
 */
export function validateConfig(raw: unknown, source = 'config'): BackupConfig {
  if (raw === null || raw === undefined) raw = {};
  const p = new Problems();
  const cfg: BackupConfig = structuredClone(DEFAULT_CONFIG);
  cfg.preset = 'none';
  cfg.environments = { ...DEFAULT_CONFIG.environments };
  if (!isObj(raw)) p.add('(top level)', 'must be a mapping');
  else {
    p.only(raw, '', ['tenant', 'tables', 'relations', 'preset', 'environments', 'hooks', 'triggers']);
    tenantRules(raw, cfg, p);
    tableRules(raw, cfg, p);
    relations(raw, cfg, p);
    if (raw.preset === 'drupal' || raw.preset === 'none') cfg.preset = raw.preset;
    else if (raw.preset !== undefined) p.add('preset', `unknown preset "${String(raw.preset)}" (drupal or none)`);
    environments(raw, cfg, p);
    hooks(raw, cfg, p);
    if (raw.triggers === 'skip' || raw.triggers === 'fire') cfg.triggers = raw.triggers;
    else if (raw.triggers !== undefined) p.add('triggers', `must be skip or fire, got ${JSON.stringify(raw.triggers)}`);
  }
  if (p.list.length === 1) throw new TenantopsError('TENANTOPS_E_CONFIG', `${source}: ${p.list[0]}`);
  if (p.list.length)
    throw new TenantopsError('TENANTOPS_E_CONFIG', `${source} has ${p.list.length} problems; fix them and rerun`, {
      details: p.list,
    });
  return cfg;
}
