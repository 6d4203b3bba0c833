import { TenantopsError } from '../../errors/index.ts';
import { DEFAULT_CONFIG, type BackupConfig } from './backup-config.ts';

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function bad(path: string, what: string): never {
  throw new TenantopsError('TENANTOPS_E_CONFIG', `${path}: ${what}`);
}

function str(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') bad(path, 'must be a non-empty string');
  return v;
}

function only(o: Obj, path: string, keys: string[]): void {
  for (const k of Object.keys(o))
    if (!keys.includes(k)) bad(`${path}.${k}`.replace(/^\./, ''), `unknown key (expected one of ${keys.join(', ')})`);
}

const COLUMN_REF = /^[^.\s]+\.[^.\s]+$/;

/** Checks a parsed config file and fills defaults; every error names its path, e.g. `tables.rental.parent`. */
export function validateConfig(raw: unknown, source = 'config'): BackupConfig {
  if (raw === null || raw === undefined) raw = {};
  if (!isObj(raw)) bad(source, 'must be a mapping');
  only(raw, '', ['tenant', 'tables', 'relations', 'preset', 'environments', 'hooks', 'triggers']);
  const cfg: BackupConfig = structuredClone(DEFAULT_CONFIG);
  cfg.preset = 'none';
  cfg.environments = { ...DEFAULT_CONFIG.environments };
  if (raw.tenant !== undefined) {
    if (!isObj(raw.tenant)) bad('tenant', 'must be a mapping like { table: groups, key: id, column: tenant_id }');
    only(raw.tenant, 'tenant', ['table', 'key', 'column']);
    cfg.tenant = {
      table: raw.tenant.table === undefined ? cfg.tenant.table : str(raw.tenant.table, 'tenant.table'),
      key: raw.tenant.key === undefined ? cfg.tenant.key : str(raw.tenant.key, 'tenant.key'),
      column: raw.tenant.column === undefined ? cfg.tenant.column : str(raw.tenant.column, 'tenant.column'),
    };
  }
  if (raw.tables !== undefined) {
    if (!isObj(raw.tables)) bad('tables', 'must be a mapping of table name (or glob) to rules');
    for (const [name, rule] of Object.entries(raw.tables)) {
      const p = `tables.${name}`;
      if (!isObj(rule)) bad(p, 'must be a mapping like { parent: … } or { where: … } or { exclude: true }');
      only(rule, p, ['parent', 'where', 'exclude']);
      if (rule.exclude !== undefined && typeof rule.exclude !== 'boolean') bad(`${p}.exclude`, 'must be true or false');
      if (rule.where !== undefined && !String(rule.where).includes(':tenant')) bad(`${p}.where`, 'must use :tenant');
      cfg.tables[name] = {
        ...(rule.parent !== undefined ? { parent: str(rule.parent, `${p}.parent`) } : {}),
        ...(rule.where !== undefined ? { where: str(rule.where, `${p}.where`) } : {}),
        ...(rule.exclude !== undefined ? { exclude: rule.exclude as boolean } : {}),
      };
    }
  }
  if (raw.relations !== undefined) {
    if (!Array.isArray(raw.relations)) bad('relations', 'must be a list of { from: table.column, to: table.column }');
    raw.relations.forEach((r, i) => {
      const p = `relations[${i}]`;
      if (!isObj(r)) bad(p, 'must be a mapping { from, to }');
      only(r, p, ['from', 'to']);
      const from = str(r.from, `${p}.from`);
      const to = str(r.to, `${p}.to`);
      if (!COLUMN_REF.test(from)) bad(`${p}.from`, `"${from}" must look like table.column`);
      if (!COLUMN_REF.test(to)) bad(`${p}.to`, `"${to}" must look like table.column`);
      cfg.relations.push({ from, to });
    });
  }
  if (raw.preset !== undefined) {
    if (raw.preset !== 'drupal' && raw.preset !== 'none')
      bad('preset', `unknown preset "${String(raw.preset)}" (drupal or none)`);
    cfg.preset = raw.preset;
  }
  if (raw.environments !== undefined) {
    if (!isObj(raw.environments)) bad('environments', 'must be a mapping of name to { url } or { lando: true }');
    for (const [name, env] of Object.entries(raw.environments)) {
      const p = `environments.${name}`;
      if (!isObj(env)) bad(p, 'must be a mapping');
      only(env, p, ['url', 'lando', 'service']);
      if (env.url === undefined && env.lando !== true) bad(p, 'needs url or lando: true');
      cfg.environments[name] = {
        ...(env.url !== undefined ? { url: str(env.url, `${p}.url`) } : {}),
        ...(env.lando !== undefined ? { lando: env.lando === true } : {}),
        ...(env.service !== undefined ? { service: str(env.service, `${p}.service`) } : {}),
      };
    }
  }
  if (raw.hooks !== undefined) {
    if (!isObj(raw.hooks)) bad('hooks', 'must be a mapping');
    only(raw.hooks, 'hooks', ['beforeRestore', 'afterRestore']);
    if (raw.hooks.beforeRestore !== undefined)
      cfg.hooks.beforeRestore = str(raw.hooks.beforeRestore, 'hooks.beforeRestore');
    if (raw.hooks.afterRestore !== undefined)
      cfg.hooks.afterRestore = str(raw.hooks.afterRestore, 'hooks.afterRestore');
  }
  if (raw.triggers !== undefined) {
    if (raw.triggers !== 'skip' && raw.triggers !== 'fire')
      bad('triggers', `must be skip or fire, got ${JSON.stringify(raw.triggers)}`);
    cfg.triggers = raw.triggers;
  }
  return cfg;
}
