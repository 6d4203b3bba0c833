import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseDocument } from 'yaml';
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
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new TenantopsError('TENANTOPS_E_CONFIG', `cannot read config file ${path}: ${(e as Error).message}`, {
      cause: e,
    });
  }
  // Every syntax error at once, each with its line, rather than the parser's first.
  const doc = parseDocument(text, { prettyErrors: true });
  const errors = doc.errors.map((e) => e.message.split('\n')[0]!);
  if (errors.length === 1) throw new TenantopsError('TENANTOPS_E_CONFIG', `${path}: not valid YAML/JSON: ${errors[0]}`);
  if (errors.length)
    throw new TenantopsError('TENANTOPS_E_CONFIG', `${path}: not valid YAML/JSON (${errors.length} errors)`, {
      details: errors,
    });
  return { config: validateConfig(doc.toJS(), path), source: path };
}
