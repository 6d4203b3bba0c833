// The runtime half of script/async-vu-transform.ts: what its call sites call.

/**
 * What a transformed call site may call instead of a function: its async twin (made by the
 * transform; a twin maps to itself), or the form of a runtime function (a k6 API,
 * Array.prototype.map…) that may return a Pending. Kept beside the functions, not on them: a
 * property would show in Reflect.ownKeys(fn), reach a Proxy's get trap (and let a call skip its
 * apply trap), and could not be added to a frozen function.
 */
interface Form {
  fn: Fn;
  twin: boolean;
}
const forms = new WeakMap<object, Form>();

type Fn = (...args: unknown[]) => unknown;
/** Any function, whatever its parameters. */
type AnyFn = (...args: never[]) => unknown;

/** A result the call site must await: a VU waiting for a response, a sleep, a twin that may wait. */
export class Pending {
  constructor(readonly p: Promise<unknown>) {}
}

/** The source text toString() gives for a function whose synchronous copy the transform put on one line. */
const sources = new WeakMap<object, string>();

/**
 * `__k6_twin(sync, twin, name?, source?, frameName?)`: pairs a function with its async twin; returns
 * the synchronous one. `name` is the name the function had where it was written (`const get = () => …`
 * names it `get`, which the call wrapped around it would lose), given to both (V8's stack frames
 * show the name property); `source` is its original text when the copy was put on one line;
 * `frameName` is the name V8 shows in the frames of a function without one (`Counter.inc` for
 * `Counter.prototype.inc = function…`), for the twin only: the function's own name stays ''.
 */
export function pairTwin(sync: Fn, twin: Fn, name?: string, source?: string, frameName?: string): Fn {
  // A declaration's pairing runs when its scope starts; a non-function there is not ours to pair.
  if (typeof sync !== 'function') return sync;
  if (name !== undefined) Object.defineProperty(sync, 'name', { value: name, configurable: true });
  Object.defineProperty(twin, 'name', { value: sync.name || (frameName ?? ''), configurable: true });
  if (source !== undefined) sources.set(sync, source);
  const form = { fn: twin, twin: true };
  forms.set(sync, form);
  forms.set(twin, form);
  return sync;
}

/** Gives a runtime function the form transformed call sites use: it may return a Pending. */
export function withAsyncForm<F extends AnyFn>(fn: F, asyncForm: AnyFn): F {
  forms.set(fn, { fn: asyncForm as Fn, twin: false });
  return fn;
}

export const collectArgs = (...args: unknown[]): unknown[] => args;

/**
 * `__k6_c(this, fn, args, text)`: how a transformed call site calls. A function with a twin runs
 * the twin (the caller awaits it); a runtime function with an async form runs that; anything else
 * is called as written, so native and runtime code keep their exact behaviour. `text` is the callee
 * as V8 prints it in its "is not a function" message (script/callee-text.ts).
 */
export function callAsync(thisArg: unknown, fn: unknown, args: unknown[], text: string): unknown {
  if (typeof fn !== 'function') throw new TypeError(`${text} is not a function`);
  const form = forms.get(fn);
  if (form === undefined) return Reflect.apply(fn, thisArg, args);
  if (form.twin) return new Pending(Reflect.apply(form.fn, thisArg, args) as Promise<unknown>);
  return Reflect.apply(form.fn, thisArg, args);
}

/** Whether calling fn through callAsync may give a Pending (it has a twin or an async form). */
export const mayWait = (fn: unknown): boolean => typeof fn === 'function' && forms.has(fn);

/** The value of a call, awaited when pending. */
export async function settle(value: unknown): Promise<unknown> {
  return value instanceof Pending ? await value.p : value;
}

/**
 * Array methods that call back: a twin callback (`arr.map((u) => http.get(u))`) is awaited element by
 * element, in order, as the synchronous method would have run it. Anything unusual (a callback
 * without a twin, an array subclass, an array-like) goes to the native method unchanged.
 */
function installArrayForms(): void {
  const proto = Array.prototype as unknown as Record<string, Fn>;
  const plain = (self: unknown, cb: unknown) =>
    Array.isArray(self) && Object.getPrototypeOf(self) === Array.prototype && mayWait(cb);

  const form = (name: string, run: (self: unknown[], cb: Fn, thisArg: unknown) => Promise<unknown>) => {
    const native = proto[name];
    if (typeof native !== 'function') return;
    withAsyncForm(native, function (this: unknown, cb: unknown, thisArg?: unknown) {
      // eslint-disable-next-line prefer-rest-params
      if (!plain(this, cb)) return Reflect.apply(native, this, arguments);
      return new Pending(run(this as unknown[], cb as Fn, thisArg));
    });
  };
  const results = async (self: unknown[], cb: Fn, thisArg: unknown, skipHoles = true) => {
    const out: [unknown, number, unknown][] = [];
    const len = self.length;
    for (let i = 0; i < len; i++) {
      if (skipHoles && !(i in self)) continue;
      out.push([self[i], i, await settle(callAsync(thisArg, cb, [self[i], i, self], 'callback'))]);
    }
    return out;
  };
  form('forEach', async (self, cb, thisArg) => {
    await results(self, cb, thisArg);
    return undefined;
  });
  form('map', async (self, cb, thisArg) => {
    // The length before the callbacks run, as the native map sizes its result.
    const out = new Array<unknown>(self.length);
    for (const [, i, r] of await results(self, cb, thisArg)) out[i] = r;
    return out;
  });
  form('flatMap', async (self, cb, thisArg) => (await results(self, cb, thisArg)).flatMap(([, , r]) => r));
  form('filter', async (self, cb, thisArg) =>
    (await results(self, cb, thisArg)).filter(([, , r]) => Boolean(r)).map(([v]) => v),
  );
  // The searching methods stop at the first hit, as the native ones do.
  const search = (
    name: string,
    hit: (r: unknown) => boolean,
    found: (v: unknown, i: number) => unknown,
    none: unknown,
    skipHoles: boolean,
  ) =>
    form(name, async (self, cb, thisArg) => {
      const len = self.length;
      for (let i = 0; i < len; i++) {
        if (skipHoles && !(i in self)) continue;
        // The element as the callback saw it: find() returns it even if the callback changed the array.
        const v = self[i];
        const r = await settle(callAsync(thisArg, cb, [v, i, self], 'callback'));
        if (hit(r)) return found(v, i);
      }
      return none;
    });
  search(
    'some',
    (r) => Boolean(r),
    () => true,
    false,
    true,
  );
  search(
    'every',
    (r) => !r,
    () => false,
    true,
    true,
  );
  search(
    'find',
    (r) => Boolean(r),
    (v) => v,
    undefined,
    false,
  );
  search(
    'findIndex',
    (r) => Boolean(r),
    (_v, i) => i,
    -1,
    false,
  );
  const reduce = (name: string, right: boolean) => {
    const native = proto[name];
    withAsyncForm(native, function (this: unknown, cb: unknown) {
      // eslint-disable-next-line prefer-rest-params
      const args = arguments;
      if (!plain(this, cb)) return Reflect.apply(native, this, args);
      const self = this as unknown[];
      return new Pending(
        (async () => {
          // As the native reduce: the length is read once, and whether an index is present is asked
          // when the walk reaches it (a callback may delete or add elements ahead of it).
          const len = self.length;
          const step = right ? -1 : 1;
          let k = right ? len - 1 : 0;
          const inRange = () => (right ? k >= 0 : k < len);
          let acc: unknown;
          if (args.length >= 2) acc = args[1];
          else {
            while (inRange() && !(k in self)) k += step;
            if (!inRange()) throw new TypeError('Reduce of empty array with no initial value');
            acc = self[k];
            k += step;
          }
          for (; inRange(); k += step)
            if (k in self) acc = await settle(callAsync(undefined, cb, [acc, self[k], k, self], 'callback'));
          return acc;
        })(),
      );
    });
  };
  reduce('reduce', false);
  reduce('reduceRight', true);

  // fn.call / fn.apply on a function with a twin run the twin; fn.bind keeps the pair.
  const fproto = Function.prototype as unknown as Record<string, Fn>;
  withAsyncForm(fproto.call, function (this: unknown, thisArg: unknown, ...args: unknown[]) {
    return callAsync(thisArg, this, args, 'function');
  });
  withAsyncForm(fproto.apply, function (this: unknown, thisArg: unknown, args: unknown) {
    // Anything but an object (a string, a number) is the native apply's TypeError; an object is read
    // as the native apply reads it, by length and index (not by its iterator, as Array.from would).
    if (args != null && typeof args !== 'object' && typeof args !== 'function')
      return Reflect.apply(fproto.apply, this, [thisArg, args]);
    const list: unknown[] = [];
    if (args != null) {
      const like = args as ArrayLike<unknown>;
      const len = Math.min(Math.max(Math.trunc(Number(like.length)) || 0, 0), Number.MAX_SAFE_INTEGER);
      for (let i = 0; i < len; i++) list.push(like[i]);
    }
    return callAsync(thisArg, this, list, 'function');
  });
  withAsyncForm(fproto.bind, function (this: Fn, ...bound: unknown[]) {
    const sync = Reflect.apply(fproto.bind, this, bound) as Fn;
    const form = forms.get(this);
    if (!form?.twin) return sync;
    const twin = Reflect.apply(fproto.bind, form.fn, bound) as Fn;
    const pair = { fn: twin, twin: true };
    forms.set(sync, pair);
    forms.set(twin, pair);
    return sync;
  });
}

/**
 * Function.prototype.toString gives a paired function's original text: its synchronous copy was put
 * on one line (to keep every line of the script where it was), and `fn.toString()` must not show
 * that. Every other function, this one included, gets the native text.
 */
function installToString(): void {
  const native = Function.prototype.toString;
  const toString = {
    toString(this: unknown): string {
      const source = typeof this === 'function' ? sources.get(this) : undefined;
      return source ?? (Reflect.apply(native, this, []) as string);
    },
  }.toString;
  sources.set(toString, Reflect.apply(native, native, []) as string);
  Object.defineProperty(Function.prototype, 'toString', {
    value: toString,
    writable: true,
    enumerable: false,
    configurable: true,
  });
}

let installed = false;

/** Installs the async forms of the built-in higher-order functions, once per thread. */
export function installBuiltinForms(): void {
  if (installed) return;
  installed = true;
  installArrayForms();
  installToString();
}
