import { syncOfTwin } from './async-calls.ts';

type Fn = (...args: unknown[]) => unknown;

/**
 * The property of `receiver` (or of its prototypes) that holds `fn`, as V8 finds a frame's method
 * name: the function's own name first, then the one enumerable own key along the chain that holds
 * it (none when several do). A getter or setter counts as holding its function.
 */
function methodKey(receiver: object, fn: Fn): string | undefined {
  const holds = (o: object, key: string | symbol) => {
    const d = Object.getOwnPropertyDescriptor(o, key);
    return !!d && (d.value === fn || d.get === fn || d.set === fn);
  };
  const own = fn.name.replace(/^[gs]et /, '');
  for (let o: object | null = receiver; own && o; o = Object.getPrototypeOf(o) as object | null)
    if (holds(o, own)) return own;
  let found: string | undefined;
  for (let o: object | null = receiver; o; o = Object.getPrototypeOf(o) as object | null)
    for (const key of Object.keys(o))
      if (holds(o, key)) {
        if (found !== undefined) return undefined;
        found = key;
      }
  return found;
}

/** V8's frame text of a method call, given the method name it could not find on the receiver. */
function withMethod(text: string, method: string, name: string): string {
  const at = text.indexOf(' (');
  if (at === -1) return text;
  const call = text.slice(0, at);
  if (call.endsWith('<anonymous>')) return `${call.slice(0, -'<anonymous>'.length)}${method}${text.slice(at)}`;
  if (name === method || name.endsWith(`.${method}`) || name.endsWith(` ${method}`)) return text;
  return `${call} [as ${method}]${text.slice(at)}`;
}

/**
 * Stack traces as V8 writes them, except for the frames of twins called as methods: V8 looks for
 * the twin among the receiver's properties, which hold the synchronous function, and so leaves out
 * the `[as login]` of `api.login()` for `const api = { login: doLogin }` that one thread per VU
 * shows. Installed once per shared thread; every other frame is V8's own text.
 */
export function installTwinFrames(): void {
  Error.prepareStackTrace = (error: unknown, sites: NodeJS.CallSite[]) => {
    let header: string;
    try {
      header = Error.prototype.toString.call(error);
    } catch {
      header = '<error>';
    }
    const lines = sites.map((site) => {
      let text = site.toString();
      try {
        const sync = syncOfTwin(site.getFunction());
        const self: unknown = sync && !site.isToplevel() && !site.isConstructor() ? site.getThis() : undefined;
        if (sync && self !== null && (typeof self === 'object' || typeof self === 'function')) {
          const method = methodKey(self, sync);
          if (method !== undefined) text = withMethod(text, method, site.getFunctionName() ?? '');
        }
      } catch {
        // A receiver whose prototype chain cannot be walked keeps V8's text.
      }
      return `    at ${text}`;
    });
    return [header, ...lines].join('\n');
  };
}
