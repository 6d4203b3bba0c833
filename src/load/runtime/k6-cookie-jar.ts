import { CookieJar } from '../http/cookie-jar.ts';
import { newCookie, parseCookieDate } from '../http/parse-set-cookie.ts';

interface CookieOptions {
  domain?: string;
  path?: string;
  expires?: string;
  max_age?: number;
  secure?: boolean;
  http_only?: boolean;
}

/**
 * k6's http.CookieJar: the VU's jar from http.cookieJar(), or a local one from
 * `new http.CookieJar()` to pass as `params.jar`.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-http/cookiejar/
 */
export class K6CookieJar {
  /** Where the jar comes from: the VU's jar is reached through a function that resets it per iteration. */
  readonly #source: () => CookieJar;

  constructor(source?: () => CookieJar) {
    if (source) {
      this.#source = source;
    } else {
      const own = new CookieJar();
      this.#source = () => own;
    }
  }

  /** The jar the requests use. */
  get store(): CookieJar {
    return this.#source();
  }

  cookiesForURL(url: string): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const c of this.store.cookiesFor(checkedUrl(url))) (out[c.name] ??= []).push(c.value);
    return out;
  }

  set(url: string, name: string, value: string, options?: CookieOptions | null): boolean {
    const cookie = newCookie(String(name), String(value));
    for (const [key, v] of Object.entries(options ?? {})) {
      switch (key.toLowerCase()) {
        case 'domain':
          cookie.domain = String(v);
          break;
        case 'path':
          cookie.path = String(v);
          break;
        case 'expires': {
          if (v === '' || v === undefined || v === null) break;
          const t = parseCookieDate(String(v));
          if (t === undefined) throw new Error(`unable to parse "expires" date string "${String(v)}"`);
          cookie.expires = t;
          break;
        }
        case 'max_age':
          cookie.maxAge = Math.trunc(Number(v)) || 0;
          break;
        case 'secure':
          cookie.secure = Boolean(v);
          break;
        case 'http_only':
          cookie.httpOnly = Boolean(v);
          break;
      }
    }
    this.store.setCookies(checkedUrl(url), [cookie]);
    return true;
  }

  clear(url: string): void {
    this.store.remove(checkedUrl(url));
  }

  delete(url: string, name: string): void {
    if (!name) throw new Error('cookie: is null');
    this.store.remove(checkedUrl(url), String(name));
  }
}

function checkedUrl(url: string): URL {
  try {
    return new URL(String(url));
  } catch {
    throw new Error(`invalid URL "${String(url)}"`);
  }
}
