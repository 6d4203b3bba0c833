/**
 * Why Go's url.Parse refuses a URL, in its words (`parse "URL": reason`), or undefined when it takes it. k6 parses
 * every request URL with it (lib/netext/httpext/url.go NewURL) and fails the request with error code 1020
 * before anything is sent; WHATWG's URL parser (Node's) takes some of those URLs (a control character, a bad
 * `%` escape, `{` in a host) and refuses others that Go takes (a relative URL, port 99999).
 *
 * What it checks, following net/url's rules (RFC 3986): control characters (below 0x20, and 0x7f) outside the
 * fragment; a `:` with no scheme before it; a colon in the first segment of a URL without a scheme; the host's
 * characters, `%` escapes and port (digits only), a bracketed host's closing `]`; the userinfo's characters;
 * malformed `%` escapes in the userinfo, path and fragment (the query is not checked, as in Go). Go's later
 * additions (IPv6 literal validation and the like) are not followed.
 */
export function goUrlParseError(raw: string): string | undefined {
  const hash = raw.indexOf('#');
  const beforeFragment = hash < 0 ? raw : raw.slice(0, hash);
  const reason = refusal(beforeFragment);
  if (reason !== undefined) return `parse ${goQuote(beforeFragment)}: ${reason}`;
  if (hash >= 0) {
    const fragment = badEscape(raw.slice(hash + 1), 'other');
    if (fragment !== undefined) return `parse ${goQuote(raw)}: ${fragment}`;
  }
  return undefined;
}

/** The scheme Go reads in a URL it takes, lower-cased ('' for none: a relative URL). */
export function goUrlScheme(raw: string): string {
  const s = scheme(raw);
  return 'error' in s ? '' : s.scheme.toLowerCase();
}

const isAlnum = (c: string) => /^[A-Za-z0-9]$/.test(c);
const HOST_EXTRA = new Set('-_.~!$&\'()*+,;=:[]<>"');
const hostChar = (c: string) => isAlnum(c) || HOST_EXTRA.has(c);
const USERINFO_EXTRA = new Set("-._:~!$&'()*+,;=%@");

/** The scheme before the first `:`, if the text starts with one: Go's getScheme. */
function scheme(text: string): { scheme: string; rest: string } | { error: string } {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (/[A-Za-z]/.test(c)) continue;
    if (/[0-9+\-.]/.test(c)) {
      if (i === 0) break;
      continue;
    }
    if (c === ':') {
      if (i === 0) return { error: 'missing protocol scheme' };
      return { scheme: text.slice(0, i), rest: text.slice(i + 1) };
    }
    break;
  }
  return { scheme: '', rest: text };
}

function refusal(text: string): string | undefined {
  // Byte-wise in Go; a JavaScript string's code units below 0x80 are the same bytes.
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return 'net/url: invalid control character in URL';
  }
  if (text === '*') return undefined;
  const s = scheme(text);
  if ('error' in s) return s.error;
  let rest = s.rest;
  if (rest.endsWith('?') && rest.indexOf('?') === rest.length - 1) rest = rest.slice(0, -1);
  else if (rest.includes('?')) rest = rest.slice(0, rest.indexOf('?'));
  if (!rest.startsWith('/')) {
    // scheme:opaque is taken as it is.
    if (s.scheme !== '') return undefined;
    if (rest.split('/')[0].includes(':')) return 'first path segment in URL cannot contain colon';
  }
  if ((s.scheme !== '' || !rest.startsWith('///')) && rest.startsWith('//')) {
    const slash = rest.indexOf('/', 2);
    const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
    rest = slash < 0 ? '' : rest.slice(slash);
    const at = authority.lastIndexOf('@');
    const hostError = hostRefusal(authority.slice(at + 1));
    if (hostError !== undefined) return hostError;
    if (at >= 0) {
      const userinfo = authority.slice(0, at);
      for (const c of userinfo) if (!isAlnum(c) && !USERINFO_EXTRA.has(c)) return 'net/url: invalid userinfo';
      const colon = userinfo.indexOf(':');
      const parts = colon < 0 ? [userinfo] : [userinfo.slice(0, colon), userinfo.slice(colon + 1)];
      for (const part of parts) {
        const e = badEscape(part, 'other');
        if (e !== undefined) return e;
      }
    }
  }
  return badEscape(rest, 'other');
}

/** Go's parseHost: `host[:port]` or `[v6][:port]`. */
function hostRefusal(host: string): string | undefined {
  let colonPort = '';
  if (host.startsWith('[')) {
    const close = host.lastIndexOf(']');
    if (close < 0) return "missing ']' in host";
    colonPort = host.slice(close + 1);
    const zone = host.slice(0, close).indexOf('%25');
    if (zone >= 0 && validPort(colonPort)) {
      return (
        badEscape(host.slice(0, zone), 'host') ??
        badEscape(host.slice(zone, close), 'zone') ??
        badEscape(host.slice(close), 'host')
      );
    }
  } else {
    const colon = host.lastIndexOf(':');
    if (colon >= 0) colonPort = host.slice(colon);
  }
  if (!validPort(colonPort)) return `invalid port ${goQuote(colonPort)} after host`;
  return badEscape(host, 'host');
}

const validPort = (colonPort: string) => colonPort === '' || /^:[0-9]*$/.test(colonPort);

const hexAt = (s: string, i: number) => /^[0-9A-Fa-f]$/.test(s[i] ?? '');

/** Go's unescape check: each `%` starts two hex digits; in a host only non-ASCII bytes (or %25) may be escaped. */
function badEscape(text: string, mode: 'host' | 'zone' | 'other'): string | undefined {
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '%') {
      if (!hexAt(text, i + 1) || !hexAt(text, i + 2)) return `invalid URL escape ${goQuote(text.slice(i, i + 3))}`;
      const escaped = text.slice(i, i + 3);
      const value = parseInt(text.slice(i + 1, i + 3), 16);
      if (mode === 'host' && value < 0x80 && escaped !== '%25') return `invalid URL escape ${goQuote(escaped)}`;
      if (mode === 'zone' && escaped !== '%25' && value !== 0x20 && !hostChar(String.fromCharCode(value)))
        return `invalid URL escape ${goQuote(escaped)}`;
      i += 2;
    } else if (mode !== 'other' && c.charCodeAt(0) < 0x80 && !hostChar(c)) {
      return `invalid character ${goQuote(c)} in host name`;
    }
  }
  return undefined;
}

/** Go's strconv.Quote for the texts above: backslash escapes, `\xNN` for other control characters. */
function goQuote(text: string): string {
  const named: Record<string, string> = {
    '"': '\\"',
    '\\': '\\\\',
    '\x07': '\\a',
    '\b': '\\b',
    '\f': '\\f',
    '\n': '\\n',
    '\r': '\\r',
    '\t': '\\t',
    '\v': '\\v',
  };
  let out = '"';
  for (const c of text) {
    const code = c.codePointAt(0) as number;
    if (named[c] !== undefined) out += named[c];
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else if (code >= 0x80 && code < 0xa0) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return `${out}"`;
}
