/**
 * k6's error_code for a network error, from the Node/undici error code.
 * https://grafana.com/docs/k6/latest/javascript-api/error-codes/
 */
export function mapNetworkError(err: unknown): { code: number; message: string } {
  const e = err as { code?: string; message?: string; cause?: { code?: string; message?: string } };
  const code = e.code ?? e.cause?.code ?? '';
  const message = e.cause?.message ?? e.message ?? String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return { code: 1212, message: `dial: connection refused (${message})` };
    case 'ECONNRESET':
      return { code: 1220, message: `read: connection reset by peer (${message})` };
    case 'EPIPE':
      return { code: 1201, message: `write: broken pipe (${message})` };
    case 'ENOTFOUND':
      return { code: 1101, message: `lookup: no such host (${message})` };
    case 'EAI_AGAIN':
      return { code: 1100, message: `lookup: temporary DNS failure (${message})` };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { code: 1211, message: `dial: i/o timeout (${message})` };
    case 'UND_ERR_HEADERS_TIMEOUT':
    case 'UND_ERR_BODY_TIMEOUT':
      return { code: 1050, message: 'request timeout' };
    case 'ERR_INVALID_URL':
      return { code: 1020, message: `invalid URL (${message})` };
    default:
      return { code: 1000, message };
  }
}
