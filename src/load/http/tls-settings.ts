import type { SecureVersion } from 'node:tls';

/** The TLS options of a test, in the form node:tls takes them; plain data, sent with each request. */
export interface TlsSettings {
  rejectUnauthorized: boolean;
  minVersion?: SecureVersion;
  maxVersion?: SecureVersion;
  /** OpenSSL cipher list (TLS 1.2 and below), or undefined for OpenSSL's defaults. */
  ciphers?: string;
  /** Client certificates (k6's tlsAuth), each for the hosts in `domains` (every host when it is empty). */
  auth?: TlsClientCert[];
}

export interface TlsClientCert {
  domains: string[];
  cert: string;
  key: string;
  /** The private key's passphrase (k6: `password`). */
  passphrase?: string;
}

/** k6's tlsAuth: [{ domains, cert, key, password? }], PEM strings (usually from open()). */
function clientCerts(value: unknown): TlsClientCert[] {
  if (!Array.isArray(value)) throw new TlsOptionError('options.tlsAuth: expected an array of { domains, cert, key }');
  return value.map((entry: unknown, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    const where = `options.tlsAuth[${i}]`;
    if (typeof e.cert !== 'string' || typeof e.key !== 'string')
      throw new TlsOptionError(`${where}: cert and key must be PEM strings (e.g. open('./cert.pem'))`);
    if (e.domains !== undefined && !(Array.isArray(e.domains) && e.domains.every((d) => typeof d === 'string')))
      throw new TlsOptionError(`${where}.domains: expected an array of host names`);
    return {
      domains: (e.domains as string[] | undefined) ?? [],
      cert: e.cert,
      key: e.key,
      ...(typeof e.password === 'string' && e.password ? { passphrase: e.password } : {}),
    };
  });
}

/** Whether a client certificate's domains cover this host: exact names, or `*.example.com` for its subdomains. */
export function certCoversHost(domains: readonly string[], host: string): boolean {
  if (!domains.length) return true;
  const h = host.toLowerCase();
  return domains.some((d) => {
    const n = d.toLowerCase();
    return n.startsWith('*.') ? h.endsWith(n.slice(1)) : h === n;
  });
}

/** The error thrown for a TLS option k6 would refuse; the runner reports it before the test starts. */
export class TlsOptionError extends Error {}

// k6 accepts "ssl3.0"; OpenSSL no longer speaks it, so it is the same floor as TLS 1.0.
const VERSIONS: Record<string, SecureVersion> = {
  'ssl3.0': 'TLSv1',
  'tls1.0': 'TLSv1',
  'tls1.1': 'TLSv1.1',
  'tls1.2': 'TLSv1.2',
  'tls1.3': 'TLSv1.3',
};

/** Go's cipher-suite names (the ones k6 lists) and OpenSSL's names for the same suites. */
const CIPHERS: Record<string, string> = {
  TLS_RSA_WITH_RC4_128_SHA: 'RC4-SHA',
  TLS_RSA_WITH_3DES_EDE_CBC_SHA: 'DES-CBC3-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA: 'AES128-SHA',
  TLS_RSA_WITH_AES_256_CBC_SHA: 'AES256-SHA',
  TLS_RSA_WITH_AES_128_CBC_SHA256: 'AES128-SHA256',
  TLS_RSA_WITH_AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  TLS_RSA_WITH_AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_RC4_128_SHA: 'ECDHE-ECDSA-RC4-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA: 'ECDHE-ECDSA-AES128-SHA',
  TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA: 'ECDHE-ECDSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_RC4_128_SHA: 'ECDHE-RSA-RC4-SHA',
  TLS_ECDHE_RSA_WITH_3DES_EDE_CBC_SHA: 'ECDHE-RSA-DES-CBC3-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA: 'ECDHE-RSA-AES128-SHA',
  TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA: 'ECDHE-RSA-AES256-SHA',
  TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256: 'ECDHE-RSA-AES128-GCM-SHA256',
  TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256: 'ECDHE-ECDSA-AES128-GCM-SHA256',
  TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384: 'ECDHE-RSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384: 'ECDHE-ECDSA-AES256-GCM-SHA384',
  TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256: 'ECDHE-ECDSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256: 'ECDHE-RSA-AES128-SHA256',
  TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305: 'ECDHE-RSA-CHACHA20-POLY1305',
  TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305: 'ECDHE-ECDSA-CHACHA20-POLY1305',
};
// As in Go, TLS 1.3 suites are not configurable: they stay allowed whatever tlsCipherSuites says.
const TLS13 = ['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256'];

function version(value: unknown, where: string): SecureVersion | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const v = VERSIONS[String(value)];
  if (!v)
    throw new TlsOptionError(
      `${where}: unknown TLS version "${String(value)}" (use ${Object.keys(VERSIONS).join(', ')})`,
    );
  return v;
}

/**
 * Reads k6's insecureSkipTLSVerify, tlsVersion, tlsCipherSuites and tlsAuth options; undefined when
 * none is set, so requests of ordinary tests carry nothing extra.
 * https://grafana.com/docs/k6/latest/using-k6/protocols/ssl-tls/ssl-tls-version-and-ciphers/
 * https://grafana.com/docs/k6/latest/using-k6/protocols/ssl-tls/ssl-tls-client-certificates/
 */
export function tlsSettings(options: Record<string, unknown>): TlsSettings | undefined {
  const { insecureSkipTLSVerify: skip, tlsVersion, tlsCipherSuites, tlsAuth } = options;
  if (!skip && (tlsVersion === undefined || tlsVersion === null) && !tlsCipherSuites && !tlsAuth) return undefined;
  const out: TlsSettings = { rejectUnauthorized: !skip };
  if (tlsAuth) out.auth = clientCerts(tlsAuth);
  if (typeof tlsVersion === 'string') {
    out.minVersion = out.maxVersion = version(tlsVersion, 'options.tlsVersion');
  } else if (tlsVersion && typeof tlsVersion === 'object') {
    const range = tlsVersion as { min?: unknown; max?: unknown };
    out.minVersion = version(range.min, 'options.tlsVersion.min');
    out.maxVersion = version(range.max, 'options.tlsVersion.max');
  } else if (tlsVersion !== undefined && tlsVersion !== null) {
    throw new TlsOptionError('options.tlsVersion: expected a version string or { min, max }');
  }
  if (tlsCipherSuites) {
    if (!Array.isArray(tlsCipherSuites))
      throw new TlsOptionError('options.tlsCipherSuites: expected an array of names');
    const names = tlsCipherSuites.map((name) => {
      if (TLS13.includes(String(name))) return undefined;
      const openssl = CIPHERS[String(name)];
      if (!openssl) throw new TlsOptionError(`options.tlsCipherSuites: unknown cipher suite "${String(name)}"`);
      return openssl;
    });
    out.ciphers = [...names.filter((n) => n !== undefined), ...TLS13].join(':');
  }
  return out;
}

/** node:tls names a version "TLSv1.3"; k6 shows "tls1.3" (http.TLS_1_3). */
export function k6TlsVersion(protocol: string | null | undefined): string {
  const m = /^TLSv1(?:\.(\d))?$/.exec(protocol ?? '');
  return m ? `tls1.${m[1] ?? '0'}` : '';
}
