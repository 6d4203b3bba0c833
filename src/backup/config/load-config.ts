import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
import { TenantopsError } from '../../errors/index.ts';
import { DEFAULT_CONFIG, type BackupConfig } from './backup-config.ts';
import { validateConfig } from './validate-config.ts';

export const CONFIG_FILE = 'tenantops.config.yaml';

/** `--config FILE`, else ./tenantops.config.yaml, else the Drupal defaults. YAML or JSON. */
export function loadConfig(file: string | undefined, cwd: string): { config: BackupConfig; source: string } {
  const path = file ? resolve(cwd, file) : resolve(cwd, CONFIG_FILE);
  if (!existsSync(path)) {
    if (file) throw new TenantopsError('TENANTOPS_E_CONFIG', `config file not found: ${file}`);
    return { config: structuredClone(DEFAULT_CONFIG), source: 'defaults (drupal preset)' };
  }
  let raw: unknown;
  try {
    raw = parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new TenantopsError(
      'TENANTOPS_E_CONFIG',
      `${path}: not valid YAML/JSON: ${(e as Error).message.split('\n')[0]}`,
      { cause: e },
    );
  }
  return { config: validateConfig(raw, path), source: path };
}
