/** The user and password of a URL such as http://user:pass@host/, decoded; undefined without them. */
export function urlCredentials(url: string): { username: string; password: string } | undefined {
  // Credentials need an "@": most URLs are not parsed at all.
  if (!url.includes('@')) return undefined;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (!u.username && !u.password) return undefined;
  return { username: decodeURIComponent(u.username), password: decodeURIComponent(u.password) };
}

/** The URL without its user info (what k6 reports for digest requests). */
export function stripCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#@]*@/i, '$1');
}

/**
 * The URL as k6 shows it in the url and name tags: credentials masked as "****:****".
 * https://grafana.com/docs/k6/latest/examples/http-authentication/
 */
export function maskCredentials(url: string): string {
  if (!url.includes('@')) return url;
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^/?#@]*)@/i, (_, scheme: string, info: string) =>
    info.includes(':') ? `${scheme}****:****@` : `${scheme}****@`,
  );
}
