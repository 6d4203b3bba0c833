import { parseSetCookie } from '../http/parse-set-cookie.ts';

/** One entry of `res.cookies[name]`, with exactly k6's eight properties. */
export interface ResponseCookie {
  name: string;
  value: string;
  domain: string;
  path: string;
  http_only: boolean;
  secure: boolean;
  max_age: number;
  /** Epoch ms, 0 when the cookie has no Expires. */
  expires: number;
}

/**
 * `res.cookies`: the Set-Cookie headers of the final response by name, each name an array
 * (cookies may share a name with different domains or paths).
 * https://grafana.com/docs/k6/latest/using-k6/cookies/#properties-of-a-response-cookie-object
 */
export function responseCookies(setCookie: readonly string[]): Record<string, ResponseCookie[]> {
  const out: Record<string, ResponseCookie[]> = {};
  for (const header of setCookie) {
    const c = parseSetCookie(header);
    if (!c) continue;
    (out[c.name] ??= []).push({
      name: c.name,
      value: c.value,
      domain: c.domain,
      path: c.path,
      http_only: c.httpOnly,
      secure: c.secure,
      max_age: c.maxAge,
      expires: c.expires,
    });
  }
  return out;
}

/** `res.request.cookies`: the Cookie header a request went out with, by name. */
export function requestCookies(
  header: string | undefined,
): Record<string, { name: string; value: string; replace: boolean }[]> {
  const out: Record<string, { name: string; value: string; replace: boolean }[]> = {};
  for (const pair of (header ?? '').split(';')) {
    const at = pair.indexOf('=');
    if (at <= 0) continue;
    const name = pair.slice(0, at).trim();
    let value = pair.slice(at + 1).trim();
    if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1);
    (out[name] ??= []).push({ name, value, replace: false });
  }
  return out;
}
