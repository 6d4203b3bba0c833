import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  randomBytes,
  scryptSync,
  timingSafeEqual,
  type CipherGCM,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { TenantopsError } from '../../errors/index.ts';

/** Files start with this when encrypted; plain archives start with the gzip magic instead. */
export const ENC_MAGIC = Buffer.from('TENANTOPS-AES256GCM-1\n');
export const ENC_HEADER_LEN = ENC_MAGIC.length + 16 + 12 + 16;
export const GCM_TAG_LEN = 16;

/** The passphrase from TENANTOPS_BACKUP_KEY or a key file; never from argv. */
export function backupKeyFrom(env: NodeJS.ProcessEnv, keyFile?: string): string | undefined {
  if (keyFile) {
    try {
      const k = readFileSync(keyFile, 'utf8').trim();
      if (k) return k;
    } catch (e) {
      throw new TenantopsError('TENANTOPS_E_ARCHIVE_KEY', `cannot read key file ${keyFile}`, { cause: e });
    }
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_KEY', `key file ${keyFile} is empty`);
  }
  return env.TENANTOPS_BACKUP_KEY || undefined;
}

function derive(passphrase: string, salt: Buffer): { key: Buffer; check: Buffer } {
  const key = scryptSync(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  // A key check value lets a wrong key be told apart from a corrupt file before any data is read.
  const check = createHmac('sha256', key).update('tenantops key check').digest().subarray(0, 16);
  return { key, check };
}

export function encryptionHeader(passphrase: string): { header: Buffer; cipher: CipherGCM } {
  const salt = randomBytes(16);
  const iv = randomBytes(12);
  const { key, check } = derive(passphrase, salt);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  return { header: Buffer.concat([ENC_MAGIC, salt, iv, check]), cipher };
}

export function decipherFor(header: Buffer, passphrase: string | undefined) {
  if (!passphrase) {
    throw new TenantopsError(
      'TENANTOPS_E_ARCHIVE_KEY',
      'archive is encrypted: set TENANTOPS_BACKUP_KEY or pass --key-file',
    );
  }
  let o = ENC_MAGIC.length;
  const salt = header.subarray(o, (o += 16));
  const iv = header.subarray(o, (o += 12));
  const check = header.subarray(o, (o += 16));
  const { key, check: expect } = derive(passphrase, salt);
  if (!timingSafeEqual(check, expect))
    throw new TenantopsError('TENANTOPS_E_ARCHIVE_KEY', 'wrong backup key for this archive');
  return createDecipheriv('aes-256-gcm', key, iv);
}
