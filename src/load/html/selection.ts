import type { Cheerio, CheerioAPI } from 'cheerio';
import type { AnyNode, Element as DomElement } from 'domhandler';
import { encodeForm } from '../http/encode-form.ts';
import { dataAttribute, dataProperty, dataValue } from './data-attributes.ts';
import { Element } from './element.ts';

type Sel = Cheerio<AnyNode>;
type Arg = string | Selection | Element;
type Matcher = (index: number, sel: Selection) => unknown;

const SUBMITTABLE = 'input,select,textarea,keygen';
const UNSUBMITTED_TYPES = new Set(['submit', 'button', 'reset', 'image', 'file']);

/**
 * k6/html's Selection: goquery's API (jQuery-like) over a parsed document, with k6's
 * conventions: attr() and val() give undefined for nothing, each() passes Elements,
 * map()/filter()/is() pass Selections, get() gives Elements.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-html/selection/
 */
export class Selection {
  constructor(
    readonly $: CheerioAPI,
    readonly sel: Sel,
    /** The response URL, to resolve relative links (res.html()); empty for parseHTML(). */
    readonly url = '',
  ) {}

  private wrap(sel: Sel): Selection {
    return new Selection(this.$, sel, this.url);
  }

  private target(arg: Arg): string | Sel | AnyNode {
    if (arg instanceof Selection) return arg.sel;
    if (arg instanceof Element) return arg.node;
    if (typeof arg === 'string') return arg;
    throw new TypeError(`invalid argument, cannot use a '${typeof arg}' as a selector`);
  }

  private matcher(fn: Matcher) {
    return (i: number, el: AnyNode) => Boolean(fn(i, this.wrap(this.$(el))));
  }

  add(arg: Arg): Selection {
    return this.wrap(this.sel.add(this.target(arg) as string));
  }
  find(arg: Arg): Selection {
    return this.wrap(this.sel.find(this.target(arg) as string));
  }
  /** The first element matching selector in each subtree, reduced to one, as goquery's Single. */
  single(selector: string): Selection {
    return this.wrap(this.sel.find(selector).first());
  }
  closest(arg: Arg): Selection {
    return this.wrap(this.sel.closest(this.target(arg) as string));
  }
  has(arg: Arg): Selection {
    return this.wrap(this.sel.has(this.target(arg) as string));
  }
  not(arg: Arg | Matcher): Selection {
    return this.wrap(
      typeof arg === 'function' ? this.sel.not(this.matcher(arg)) : this.sel.not(this.target(arg) as string),
    );
  }
  filter(arg: string | Selection | Matcher): Selection {
    if (typeof arg === 'function') return this.wrap(this.sel.filter(this.matcher(arg)));
    if (typeof arg === 'string' || arg instanceof Selection)
      return this.wrap(this.sel.filter(this.target(arg) as string));
    throw new TypeError('the argument to filter() must be a function, a selector or a selection');
  }
  is(arg: string | Selection | Matcher): boolean {
    if (typeof arg === 'function') return this.sel.is(this.matcher(arg));
    if (typeof arg === 'string' || arg instanceof Selection) return this.sel.is(this.target(arg) as string);
    throw new TypeError('the argument to is() must be a function, a selector or a selection');
  }

  next(selector?: string): Selection {
    return this.wrap(this.sel.next(selector));
  }
  nextAll(selector?: string): Selection {
    return this.wrap(this.sel.nextAll(selector));
  }
  prev(selector?: string): Selection {
    return this.wrap(this.sel.prev(selector));
  }
  prevAll(selector?: string): Selection {
    return this.wrap(this.sel.prevAll(selector));
  }
  parent(selector?: string): Selection {
    return this.wrap(this.sel.parent(selector));
  }
  parents(selector?: string): Selection {
    return this.wrap(this.sel.parents(selector));
  }
  siblings(selector?: string): Selection {
    return this.wrap(this.sel.siblings(selector));
  }
  children(selector?: string): Selection {
    return this.wrap(this.sel.children(selector));
  }
  contents(): Selection {
    return this.wrap(this.sel.contents());
  }
  nextUntil(until?: string | Selection | null, filter?: string): Selection {
    return this.wrap(this.sel.nextUntil(this.until(until), filter));
  }
  prevUntil(until?: string | Selection | null, filter?: string): Selection {
    return this.wrap(this.sel.prevUntil(this.until(until), filter));
  }
  parentsUntil(until?: string | Selection | null, filter?: string): Selection {
    return this.wrap(this.sel.parentsUntil(this.until(until), filter));
  }
  private until(until: string | Selection | null | undefined): string | undefined {
    // cheerio's *Until accept a selection too; its types only admit element filters.
    return (until instanceof Selection ? until.sel : until || undefined) as string | undefined;
  }

  size(): number {
    return this.sel.length;
  }
  end(): Selection {
    return this.wrap(this.sel.end());
  }
  eq(index: number): Selection {
    return this.wrap(this.sel.eq(index));
  }
  first(): Selection {
    return this.wrap(this.sel.first());
  }
  last(): Selection {
    return this.wrap(this.sel.last());
  }
  slice(start: number, end?: number): Selection {
    return this.wrap(this.sel.slice(start, end === undefined || end > this.sel.length ? this.sel.length : end));
  }

  /** The text of every matched element and its descendants, joined. */
  text(): string {
    return this.sel.text();
  }
  /** The first element's attribute, else defaultValue, else undefined. */
  attr(name: string, defaultValue?: unknown): unknown {
    const v = this.sel.attr(name);
    return v === undefined ? defaultValue : v;
  }
  /** The first element's inner HTML; undefined for an empty selection. */
  html(): string | undefined {
    return this.sel.html() ?? undefined;
  }

  /** The first element's form value, as k6 (jQuery) defines it for input, button, textarea, option, select. */
  val(): string | string[] | undefined {
    const node = this.sel.get(0);
    const tag = node && 'name' in node ? (node as DomElement).name : '';
    const attr = (n: string) => this.sel.attr(n);
    const optionValue = (opt: Sel) => opt.attr('value') ?? opt.html() ?? '';
    switch (tag) {
      case 'input': {
        const v = attr('value');
        if (v !== undefined) return v;
        const type = attr('type');
        return type === 'radio' || type === 'checkbox' ? 'on' : '';
      }
      case 'button':
        return attr('value') ?? '';
      case 'textarea':
        return this.html();
      case 'option':
        return optionValue(this.sel.first());
      case 'select': {
        const selected = this.sel.first().find('option[selected]');
        if (attr('multiple') !== undefined) return selected.toArray().map((o) => optionValue(this.$(o)));
        return selected.length ? optionValue(selected.first()) : '';
      }
      default:
        return undefined;
    }
  }

  each(fn: (index: number, element: Element) => unknown): Selection {
    if (typeof fn !== 'function') throw new TypeError('the argument to each() must be a function');
    this.sel.toArray().forEach((_, i) => fn(i, new Element(this.eq(i))));
    return this;
  }
  map(fn: (index: number, sel: Selection) => unknown): unknown[] {
    if (typeof fn !== 'function') throw new TypeError('the argument to map() must be a function');
    return this.sel.toArray().map((_, i) => fn(i, this.eq(i)));
  }
  /** One Element, or all of them as an array; undefined outside the selection (negative counts from the end). */
  get(index?: number): Element | Element[] | undefined {
    const n = this.sel.length;
    if (index === undefined) return this.sel.toArray().map((_, i) => new Element(this.eq(i)));
    if (index < n && index > -n) return new Element(this.eq(index));
    return undefined;
  }
  toArray(): Selection[] {
    return this.sel.toArray().map((_, i) => this.eq(i));
  }
  index(arg?: Arg): number {
    if (arg === undefined) return this.sel.index();
    if (arg instanceof Selection) return this.sel.index(arg.sel);
    if (arg instanceof Element) return this.sel.index(arg.node);
    return this.sel.index(arg);
  }

  /** data-* attributes of the first element: one by key, or all as an object; undefined without any. */
  data(key?: string): unknown {
    const node = this.sel.get(0) as DomElement | undefined;
    const attribs = node?.attribs;
    if (!attribs || !Object.keys(attribs).length) return undefined;
    if (key !== undefined) {
      const v = attribs[`data-${dataAttribute(key)}`];
      return v === undefined ? undefined : dataValue(v);
    }
    const out: Record<string, unknown> = {};
    for (const [name, v] of Object.entries(attribs)) {
      if (name.startsWith('data-') && name.length > 5) out[dataProperty(name.slice(5))] = dataValue(v);
    }
    return out;
  }

  /** The successful controls of a form (or of the selected controls), as jQuery's serializeArray. */
  serializeArray(): { name: string; value: string | string[] | undefined }[] {
    const controls = this.sel.is('form') ? this.sel.find(SUBMITTABLE) : this.sel.filter(SUBMITTABLE);
    return controls
      .toArray()
      .map((el) => this.wrap(this.$(el)))
      .filter((c) => {
        const name = c.sel.attr('name') ?? '';
        const type = c.sel.attr('type') ?? '';
        // Attribute presence, as jQuery: `<input checked>` counts like checked="checked".
        return (
          name !== '' &&
          c.sel.attr('disabled') === undefined &&
          !UNSUBMITTED_TYPES.has(type) &&
          (c.sel.attr('checked') !== undefined || (type !== 'checkbox' && type !== 'radio'))
        );
      })
      .map((c) => ({ name: c.sel.attr('name') as string, value: c.val() }));
  }
  serializeObject(): Record<string, string | string[] | undefined> {
    return Object.fromEntries(this.serializeArray().map(({ name, value }) => [name, value]));
  }
  /** URL-encoded form data, keys sorted as Go's url.Values encodes them. */
  serialize(): string {
    const values: Record<string, string | string[]> = {};
    for (const { name, value } of this.serializeArray()) if (value !== undefined) values[name] = value;
    return encodeForm(values);
  }
}
