/** A cookie as a Set-Cookie header or `jar.set()` describes it, before a jar applies its rules. */
export interface SetCookie {
  name: string;
  value: string;
  /** The value arrived in double quotes; it is sent back quoted, as Go's net/http does. */
  quoted: boolean;
  domain: string;
  path: string;
  /** Epoch ms; 0 when the cookie has no Expires attribute. */
  expires: number;
  /** Go's convention: 0 unset, -1 "delete now" (Max-Age<=0), else seconds. */
  maxAge: number;
  secure: boolean;
  httpOnly: boolean;
}

// RFC 6265 token characters for the cookie name.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// cookie-octet plus space and comma, which Go accepts in received values.
const VALUE = /^[\x20\x21\x23-\x2b\x2d-\x3a\x3c-\x5b\x5d-\x7e,]*$/;

/**
 * Parses one Set-Cookie header value the way Go's net/http readSetCookies does, which is
 * what k6 stores in its jar and shows in `res.cookies`; null when the header is not a cookie.
 * https://grafana.com/docs/k6/latest/using-k6/cookies/
 */
/** A cookie with no attributes yet: what a Set-Cookie header and jar.set() both start from. */
export function newCookie(name: string, value: string, quoted = false): SetCookie {
  return { name, value, quoted, domain: '', path: '', expires: 0, maxAge: 0, secure: false, httpOnly: false };
}

export function parseSetCookie(header: string): SetCookie | null {
  const parts = header.trim().split(';');
  const first = parts[0].trim();
  const eq = first.indexOf('=');
  if (eq <= 0) return null;
  const name = first.slice(0, eq).trim();
  let value = first.slice(eq + 1).trim();
  if (!TOKEN.test(name)) return null;
  let quoted = false;
  if (value.length > 1 && value.startsWith('"') && value.endsWith('"')) {
    value = value.slice(1, -1);
    quoted = true;
  }
  if (!VALUE.test(value)) return null;
  const cookie = newCookie(name, value, quoted);
  for (const raw of parts.slice(1)) {
    const attr = raw.trim();
    if (!attr) continue;
    const at = attr.indexOf('=');
    const key = (at < 0 ? attr : attr.slice(0, at)).trim().toLowerCase();
    const val = at < 0 ? '' : attr.slice(at + 1).trim();
    switch (key) {
      case 'secure':
        cookie.secure = true;
        break;
      case 'httponly':
        cookie.httpOnly = true;
        break;
      case 'domain':
        cookie.domain = val;
        break;
      case 'path':
        cookie.path = val;
        break;
      case 'max-age': {
        // Go ignores a malformed Max-Age and one with a leading zero.
        if (!/^-?\d+$/.test(val) || (val.startsWith('0') && val !== '0')) break;
        const secs = Number(val);
        cookie.maxAge = secs <= 0 ? -1 : secs;
        break;
      }
      case 'expires': {
        const t = parseCookieDate(val);
        if (t !== undefined) cookie.expires = t;
        break;
      }
    }
  }
  return cookie;
}

/**
 * Go accepts RFC 1123 dates, with or without dashes in the date ("Mon, 02-Jan-2006 …").
 * Date.parse reads both; a value that is not such a date is ignored, as in Go.
 */
export function parseCookieDate(value: string): number | undefined {
  if (!/^[A-Za-z]{3}, \d{2}[ -][A-Za-z]{3}[ -]\d{4} \d{2}:\d{2}:\d{2} [A-Z]{2,5}$/.test(value)) return undefined;
  const t = Date.parse(value.replace(/(\d{2})-([A-Za-z]{3})-(\d{4})/, '$1 $2 $3'));
  return Number.isNaN(t) ? undefined : t;
}
