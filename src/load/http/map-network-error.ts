// OpenSSL's verification codes for a certificate whose issuer is not trusted: Go reports
// them all as x509.UnknownAuthorityError.
const UNKNOWN_AUTHORITY = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
const OTHER_CERT_ERRORS = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'CERT_CHAIN_TOO_LONG',
  'ERR_TLS_CERT_SIGNATURE_ALGORITHM_UNSUPPORTED',
]);

/**
 * k6's error_code and error text for a failed request, from the Node/undici error. The text
 * is k6's own (res.error); `detail` keeps Node's message for logs.
 * https://grafana.com/docs/k6/latest/javascript-api/error-codes/
 */
export function mapNetworkError(err: unknown): { code: number; message: string; detail: string } {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code && e.code !== 'UND_ERR_SOCKET' ? e.code : (e.cause?.code ?? e.code ?? '');
  const detail = e.cause?.message ?? e.message ?? String(err);
  const out = (c: number, message: string) => ({ code: c, message, detail });
  if (UNKNOWN_AUTHORITY.has(code)) return out(1310, 'x509: unknown authority');
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID' || code === 'HOSTNAME_MISMATCH')
    return out(1311, "x509: certificate doesn't match hostname");
  if (OTHER_CERT_ERRORS.has(code) || code.startsWith('ERR_SSL_') || (code === 'EPROTO' && /ssl|tls/i.test(detail)))
    return out(1300, `tls: ${detail}`);
  switch (code) {
    case 'ECONNREFUSED':
      return out(1212, 'dial: connection refused');
    case 'ECONNRESET':
      return out(1220, 'read: connection reset by peer');
    case 'EPIPE':
      return out(1201, 'write: broken pipe');
    case 'ENETUNREACH':
      return out(1213, 'dial: unknown errno 101 error with msg `network is unreachable`');
    case 'EHOSTUNREACH':
      return out(1213, 'dial: unknown errno 113 error with msg `no route to host`');
    case 'ENOTFOUND':
      return out(1101, 'lookup: no such host');
    case 'EAI_AGAIN':
      return out(1100, `lookup: ${detail}`);
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return out(1211, 'dial: i/o timeout');
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return out(1050, 'request timeout');
    case 'ERR_UNSUPPORTED_SCHEME':
      return out(1000, detail);
    case 'ERR_INVALID_URL':
      return out(1020, `invalid URL: ${detail}`);
    default:
      return out(1000, detail);
  }
}
