import { createHash, randomBytes } from 'node:crypto';

/** The parameters of a `WWW-Authenticate: Digest …` challenge, keys lower-cased. */
export function parseDigestChallenge(header: string): Record<string, string> | null {
  const m = /(?:^|,\s*)Digest\s+(.*)$/i.exec(header);
  if (!m) return null;
  const params: Record<string, string> = {};
  const re = /([a-zA-Z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m[1]); p; p = re.exec(m[1])) {
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3];
  }
  return params.nonce === undefined ? null : params;
}

/**
 * The Authorization header answering a digest challenge (RFC 7616: MD5 and SHA-256, their
 * -sess variants, qop "auth" and "auth-int"), for the second of the two requests k6 makes
 * with `auth: "digest"`.
 * https://grafana.com/docs/k6/latest/examples/http-authentication/
 */
export function digestAuthorization(
  challenge: Record<string, string>,
  request: { method: string; uri: string; username: string; password: string; body: Uint8Array | string | null },
  cnonce = randomBytes(8).toString('hex'),
): string {
  const algorithm = challenge.algorithm ?? 'MD5';
  const base = algorithm.toUpperCase().replace(/-SESS$/, '');
  const hashName = base === 'SHA-256' ? 'sha256' : base === 'SHA-512-256' ? 'sha512-256' : 'md5';
  const h = (s: string | Uint8Array) => createHash(hashName).update(s).digest('hex');
  const offered = (challenge.qop ?? '').split(',').map((q) => q.trim());
  const qop = offered.includes('auth') ? 'auth' : offered.includes('auth-int') ? 'auth-int' : '';
  const nc = '00000001';
  let ha1 = h(`${request.username}:${challenge.realm ?? ''}:${request.password}`);
  if (/-sess$/i.test(algorithm)) ha1 = h(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 =
    qop === 'auth-int'
      ? h(`${request.method}:${request.uri}:${h(request.body ?? '')}`)
      : h(`${request.method}:${request.uri}`);
  const response = qop
    ? h(`${ha1}:${challenge.nonce}:${nc}:${cnonce}:${qop}:${ha2}`)
    : h(`${ha1}:${challenge.nonce}:${ha2}`);
  const fields = [
    `username="${request.username}"`,
    `realm="${challenge.realm ?? ''}"`,
    `nonce="${challenge.nonce}"`,
    `uri="${request.uri}"`,
    `algorithm=${algorithm}`,
    `response="${response}"`,
  ];
  if (challenge.opaque !== undefined) fields.push(`opaque="${challenge.opaque}"`);
  if (qop) fields.push(`qop=${qop}`, `nc=${nc}`, `cnonce="${cnonce}"`);
  return `Digest ${fields.join(', ')}`;
}
