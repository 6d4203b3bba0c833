// The runtime half of script/async-vu-transform.ts: what its call sites call.

/** A function's async twin (made by the transform), or, on a twin, the twin itself. */
const TWIN = Symbol('k6.twin');
/** The form of a runtime function (a k6 API, Array.prototype.map…) that may return a Pending. */
const ASYNC_FORM = Symbol('k6.async');

type Fn = (...args: unknown[]) => unknown;
/** Any function, whatever its parameters. */
type AnyFn = (...args: never[]) => unknown;

/** A result the call site must await: a VU waiting for a response, a sleep, a twin that may wait. */
export class Pending {
  constructor(readonly p: Promise<unknown>) {}
}

const hide = (target: object, key: symbol, value: unknown) =>
  Object.defineProperty(target, key, { value, configurable: true, enumerable: false, writable: true });

/** `__k6_twin(sync, twin)`: pairs a function with its async twin; returns the synchronous one. */
export function pairTwin(sync: Fn, twin: Fn): Fn {
  hide(sync, TWIN, twin);
  hide(twin, TWIN, twin);
  return sync;
}

/** Gives a runtime function the form transformed call sites use: it may return a Pending. */
export function withAsyncForm<F extends AnyFn>(fn: F, asyncForm: AnyFn): F {
  hide(fn, ASYNC_FORM, asyncForm);
  return fn;
}

export const collectArgs = (...args: unknown[]): unknown[] => args;

/**
 * `__k6_c(this, fn, args, text)`: how a transformed call site calls. A function with a twin runs
 * the twin (the caller awaits it); a runtime function with an async form runs that; anything else
 * is called as written, so native and runtime code keep their exact behaviour.
 */
export function callAsync(thisArg: unknown, fn: unknown, args: unknown[], text: string): unknown {
  if (typeof fn !== 'function') throw new TypeError(`${text} is not a function`);
  const twin = (fn as { [TWIN]?: Fn })[TWIN];
  if (twin !== undefined) return new Pending(Reflect.apply(twin, thisArg, args) as Promise<unknown>);
  const form = (fn as { [ASYNC_FORM]?: Fn })[ASYNC_FORM];
  if (form !== undefined) return Reflect.apply(form, thisArg, args);
  return Reflect.apply(fn, thisArg, args);
}

/** Whether calling fn through callAsync may give a Pending (it has a twin or an async form). */
export const mayWait = (fn: unknown): boolean =>
  typeof fn === 'function' &&
  ((fn as { [TWIN]?: Fn })[TWIN] !== undefined || (fn as { [ASYNC_FORM]?: Fn })[ASYNC_FORM] !== undefined);

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
        const r = await settle(callAsync(thisArg, cb, [self[i], i, self], 'callback'));
        if (hit(r)) return found(self[i], i);
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
          const order = [...self.keys()].filter((i) => i in self);
          if (right) order.reverse();
          let k = 0;
          let acc: unknown;
          if (args.length >= 2) acc = args[1];
          else if (order.length) acc = self[order[k++]];
          else throw new TypeError('Reduce of empty array with no initial value');
          for (; k < order.length; k++) {
            const i = order[k];
            acc = await settle(callAsync(undefined, cb, [acc, self[i], i, self], 'callback'));
          }
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
    return callAsync(thisArg, this, args == null ? [] : Array.from(args as ArrayLike<unknown>), 'function');
  });
  withAsyncForm(fproto.bind, function (this: Fn, ...bound: unknown[]) {
    const sync = Reflect.apply(fproto.bind, this, bound) as Fn;
    const twin = (this as { [TWIN]?: Fn })[TWIN];
    return twin ? pairTwin(sync, Reflect.apply(fproto.bind, twin, bound) as Fn) : sync;
  });
}

let installed = false;

/** Installs the async forms of the built-in higher-order functions, once per thread. */
export function installBuiltinForms(): void {
  if (installed) return;
  installed = true;
  installArrayForms();
}
