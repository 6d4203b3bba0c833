import type { SetCookie } from './parse-set-cookie.ts';

/** One stored cookie; plain data so a jar can cross a structured clone as an array of these. */
export interface StoredCookie {
  name: string;
  value: string;
  quoted: boolean;
  domain: string;
  path: string;
  hostOnly: boolean;
  secure: boolean;
  httpOnly: boolean;
  /** Epoch ms; Infinity for a session cookie. */
  expires: number;
  creation: number;
  /** Tie-breaker after creation time, as Go's jar keeps one. */
  seq: number;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIP = (host: string) => IPV4.test(host) || host.includes(':');

function hostOf(url: URL): string {
  const h = url.hostname.toLowerCase();
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** RFC 6265 5.1.4: the directory of the request path. */
function defaultPath(path: string): string {
  if (!path.startsWith('/')) return '/';
  const i = path.lastIndexOf('/');
  return i === 0 ? '/' : path.slice(0, i);
}

function pathMatch(cookiePath: string, requestPath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

const hasDotSuffix = (host: string, domain: string) =>
  host.length > domain.length && host.endsWith(domain) && host[host.length - domain.length - 1] === '.';

function parseUrl(url: string | URL): URL | null {
  try {
    const u = url instanceof URL ? url : new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u : null;
  } catch {
    return null;
  }
}

/**
 * A cookie jar with the rules of Go's net/http/cookiejar (no public-suffix list), which is
 * what k6 gives every VU: host-only and domain cookies, default paths, Max-Age before
 * Expires, Secure cookies only over https, longest path first.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-http/cookiejar/
 */
export class CookieJar {
  private entries: StoredCookie[];
  private seq = 0;

  constructor(entries: StoredCookie[] = []) {
    this.entries = entries;
    for (const e of entries) this.seq = Math.max(this.seq, e.seq + 1);
  }

  /** The stored cookies, for sending to another thread. */
  snapshot(): StoredCookie[] {
    return this.entries;
  }

  get size(): number {
    return this.entries.length;
  }

  /** Stores cookies received from (or set by the script for) url; invalid ones are skipped, as in Go. */
  setCookies(url: string | URL, cookies: SetCookie[], now = Date.now()): void {
    const u = parseUrl(url);
    if (!u) return;
    const host = hostOf(u);
    for (const c of cookies) this.setOne(host, u.pathname, c, now);
  }

  private setOne(host: string, requestPath: string, c: SetCookie, now: number): void {
    const path = c.path.startsWith('/') ? c.path : defaultPath(requestPath);
    let domain = host;
    let hostOnly = true;
    if (c.domain) {
      let d = c.domain.toLowerCase();
      if (d.startsWith('.')) d = d.slice(1);
      if (!d || d.endsWith('.')) return;
      if (isIP(host)) {
        // An IP host can only set a host-only cookie for itself.
        if (d !== host) return;
      } else {
        if (d !== host && !hasDotSuffix(host, d)) return;
        hostOnly = false;
      }
      domain = d;
    }
    const at = this.entries.findIndex((e) => e.domain === domain && e.path === path && e.name === c.name);
    let expires = Infinity;
    if (c.maxAge < 0) {
      if (at >= 0) this.entries.splice(at, 1);
      return;
    } else if (c.maxAge > 0) {
      expires = now + c.maxAge * 1000;
    } else if (c.expires !== 0) {
      if (c.expires <= now) {
        if (at >= 0) this.entries.splice(at, 1);
        return;
      }
      expires = c.expires;
    }
    const entry: StoredCookie = {
      name: c.name,
      value: c.value,
      quoted: c.quoted,
      domain,
      path,
      hostOnly,
      secure: c.secure,
      httpOnly: c.httpOnly,
      expires,
      creation: at >= 0 ? this.entries[at].creation : now,
      seq: at >= 0 ? this.entries[at].seq : this.seq++,
    };
    if (at >= 0) this.entries[at] = entry;
    else this.entries.push(entry);
  }

  /** The cookies to send to url, longest path first, then oldest first. */
  cookiesFor(url: string | URL, now = Date.now()): StoredCookie[] {
    // Most jars are empty (every request asks): no URL to parse then.
    if (!this.entries.length) return [];
    const u = parseUrl(url);
    if (!u) return [];
    const host = hostOf(u);
    const https = u.protocol === 'https:';
    const path = u.pathname || '/';
    this.entries = this.entries.filter((e) => e.expires > now);
    return this.entries
      .filter(
        (e) =>
          (e.domain === host || (!e.hostOnly && hasDotSuffix(host, e.domain))) &&
          pathMatch(e.path, path) &&
          (https || !e.secure),
      )
      .sort((a, b) => b.path.length - a.path.length || a.creation - b.creation || a.seq - b.seq);
  }

  /** Removes the cookies that would be sent to url, or only those named name. */
  remove(url: string | URL, name?: string): void {
    const gone = new Set(this.cookiesFor(url).filter((e) => name === undefined || e.name === name));
    this.entries = this.entries.filter((e) => !gone.has(e));
  }

  clearAll(): void {
    this.entries = [];
  }
}
