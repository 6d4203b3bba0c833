import type { CookieJar } from './cookie-jar.ts';

/** A cookie from `params.cookies`: `{ name: 'v' }` or `{ name: { value: 'v', replace: true } }`. */
export interface RequestCookie {
  name: string;
  value: string;
  replace: boolean;
}

// Go's sanitizeCookieValue: a value with a space or comma, or that came quoted, goes back in quotes.
function cookiePair(name: string, value: string, quoted = false): string {
  return quoted || /[ ,]/.test(value) ? `${name}="${value}"` : `${name}=${value}`;
}

/**
 * The Cookie header k6 sends: the request's own cookies first, then the jar's for this URL
 * unless a request cookie of the same name has `replace: true`; appended to a Cookie header
 * the script set itself (Go's Request.AddCookie).
 * https://grafana.com/docs/k6/latest/javascript-api/k6-http/params/
 */
export function requestCookieHeader(
  existing: string | undefined,
  jar: CookieJar | undefined,
  url: string,
  requestCookies: readonly RequestCookie[],
): string | undefined {
  const pairs: string[] = [];
  const replaced = new Set<string>();
  for (const c of requestCookies) {
    pairs.push(cookiePair(c.name, c.value));
    if (c.replace) replaced.add(c.name);
  }
  if (jar) {
    for (const c of jar.cookiesFor(url)) if (!replaced.has(c.name)) pairs.push(cookiePair(c.name, c.value, c.quoted));
  }
  if (!pairs.length) return existing;
  return existing ? `${existing}; ${pairs.join('; ')}` : pairs.join('; ');
}
