/**
 * The User-Agent k6 sends when the script sets no `userAgent` option: the default of its `--user-agent`
 * flag (internal/cmd/options.go), `Grafana k6/<version>` since v0.59 (before: `k6/<version> (https://k6.io/)`).
 * The version is the k6 release whose behaviour this runner follows (internal/build/version.go at v2.2.0).
 */
export const DEFAULT_USER_AGENT = 'Grafana k6/2.2.0';

/**
 * The User-Agent of a request, a k6/ws connection or a k6/websockets handshake, each of which sets it from the
 * option before the script's own headers (js/modules/k6/http/request.go, internal/js/modules/k6/ws/ws.go,
 * websockets/params.go); undefined for `userAgent: ''`, which Go's client then leaves out of the request.
 */
export function userAgentOf(options: { userAgent?: unknown }): string | undefined {
  const ua = typeof options.userAgent === 'string' ? options.userAgent : DEFAULT_USER_AGENT;
  return ua === '' ? undefined : ua;
}

/** headers with the User-Agent first, unless the script's headers name one (in any case). */
export function withUserAgent(
  options: { userAgent?: unknown },
  headers: Record<string, string> | undefined,
): Record<string, string> {
  const ua = userAgentOf(options);
  const own = Object.keys(headers ?? {}).some((k) => k.toLowerCase() === 'user-agent');
  return ua === undefined || own ? { ...headers } : { 'User-Agent': ua, ...headers };
}
