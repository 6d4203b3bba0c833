import type { AnyNode, Element as DomElement } from 'domhandler';
import { Selection } from './selection.ts';

const NODE_TYPES: Record<string, number> = { tag: 1, script: 1, style: 1, text: 3, comment: 8, root: 9, directive: 10 };
const NS: Record<string, string> = {
  svg: 'http://www.w3.org/2000/svg',
  math: 'http://www.w3.org/1998/Math/MathML',
};
const XHTML = 'http://www.w3.org/1999/xhtml';

/**
 * k6/html's Element: DOM-like accessors, all methods as in k6 (`el.id()`, `el.textContent()`),
 * plus the tag-specific ones k6 documents (href parts of links, form fields, options…).
 * https://grafana.com/docs/k6/latest/javascript-api/k6-html/element/
 */
export class Element {
  readonly node: AnyNode;

  constructor(private readonly sel: Selection) {
    this.node = sel.sel.get(0) as AnyNode;
    const tag = this.nodeName();
    for (const [name, fn] of Object.entries(TAG_METHODS[tag] ?? {})) {
      Object.defineProperty(this, name, { value: () => fn(this), enumerable: false });
    }
  }

  private of(node: AnyNode | null | undefined): Element | undefined {
    return node ? new Element(new Selection(this.sel.$, this.sel.$(node), this.sel.url)) : undefined;
  }
  private list(sel: Selection): Element[] {
    return (sel.get() as Element[] | undefined) ?? [];
  }
  private get el(): DomElement | undefined {
    return 'attribs' in this.node ? (this.node as DomElement) : undefined;
  }

  /** The Selection of this one element. */
  selection(): Selection {
    return this.sel;
  }
  attr(name: string): string {
    return this.el?.attribs[name] ?? '';
  }
  /** An attribute resolved against the response URL, as k6 does for href, src and action. */
  urlAttr(name: string, fallback = ''): string {
    const v = this.el?.attribs[name];
    if (!this.sel.url) return v ?? '';
    if (v === undefined) return fallback;
    try {
      return new URL(v, this.sel.url).href;
    } catch {
      return fallback;
    }
  }
  intAttr(name: string, fallback: number): number {
    const v = this.el?.attribs[name];
    return v !== undefined && /^-?\d+$/.test(v.trim()) ? Number(v) : fallback;
  }

  nodeName(): string {
    const n = this.node as { type: string; name?: string };
    if (n.name) return n.name.toLowerCase();
    return { text: '#text', comment: '#comment', root: '#document', directive: '#doctype' }[n.type] ?? '';
  }
  nodeType(): number | undefined {
    return NODE_TYPES[this.node.type];
  }
  nodeValue(): string | undefined {
    return this.node.type === 'text' || this.node.type === 'comment' ? (this.node as { data: string }).data : undefined;
  }
  id(): string {
    return this.attr('id');
  }
  innerHTML(): string | undefined {
    return this.sel.html();
  }
  textContent(): string {
    return this.sel.text();
  }
  ownerDocument(): Element | undefined {
    let n: AnyNode | null = this.node;
    while (n && n.type !== 'root') n = n.parent;
    return this.of(n);
  }
  attributes(): Record<string, { name: string; value: string; owner_element: Element }> {
    const out: Record<string, { name: string; value: string; owner_element: Element }> = {};
    for (const [name, value] of Object.entries(this.el?.attribs ?? {}))
      out[name] = { name, value, owner_element: this };
    return out;
  }
  getAttribute(name: string): string | undefined {
    return this.el?.attribs[name];
  }
  getAttributeNode(name: string): { name: string; value: string; owner_element: Element } | undefined {
    return this.attributes()[name];
  }
  hasAttribute(name: string): boolean {
    return this.el?.attribs[name] !== undefined;
  }
  hasAttributes(): boolean {
    return Object.keys(this.el?.attribs ?? {}).length > 0;
  }
  hasChildNodes(): boolean {
    return ((this.node as { children?: AnyNode[] }).children ?? []).length > 0;
  }
  firstChild(): Element | undefined {
    return this.of((this.node as { children?: AnyNode[] }).children?.[0]);
  }
  lastChild(): Element | undefined {
    return this.of((this.node as { children?: AnyNode[] }).children?.at(-1));
  }
  childNodes(): Element[] {
    return this.list(this.sel.contents());
  }
  children(): Element[] {
    return this.list(this.sel.children());
  }
  childElementCount(): number {
    return this.sel.children().size();
  }
  firstElementChild(): Element | undefined {
    return this.children()[0];
  }
  lastElementChild(): Element | undefined {
    return this.children().at(-1);
  }
  previousSibling(): Element | undefined {
    return this.of(this.node.prev);
  }
  nextSibling(): Element | undefined {
    return this.of(this.node.next);
  }
  previousElementSibling(): Element | undefined {
    return this.list(this.sel.prev())[0];
  }
  nextElementSibling(): Element | undefined {
    return this.list(this.sel.next())[0];
  }
  parentNode(): Element | undefined {
    return this.of(this.node.parent);
  }
  parentElement(): Element | undefined {
    return this.list(this.sel.parent())[0];
  }
  classList(): string[] {
    return this.attr('class').split(/\s+/).filter(Boolean);
  }
  className(): string | undefined {
    return this.el?.attribs.class;
  }
  lang(): string | undefined {
    return this.el?.attribs.lang;
  }
  toString(): string {
    return this.nodeType() === 1 ? '[object html.Node]' : `[object ${this.nodeName()}]`;
  }
  isSameNode(other: unknown): boolean {
    return other instanceof Element && other.node === this.node;
  }
  isEqualNode(other: unknown): boolean {
    return other instanceof Element && other.innerHTML() === this.innerHTML();
  }
  contains(other: unknown): boolean {
    if (!(other instanceof Element) || other.node === this.node) return false;
    for (let n = other.node.parent; n; n = n.parent) if (n === this.node) return true;
    return false;
  }
  matches(selector: string): boolean {
    return this.sel.is(selector);
  }
  getElementsByClassName(name: string): Element[] {
    return this.list(this.sel.find(`.${name}`));
  }
  getElementsByTagName(name: string): Element[] {
    return this.list(this.sel.find(name));
  }
  querySelector(selector: string): Element | undefined {
    return this.list(this.sel.find(selector))[0];
  }
  querySelectorAll(selector: string): Element[] {
    return this.list(this.sel.find(selector));
  }
  namespaceURI(): string {
    const ns = (this.node as { namespace?: string }).namespace;
    if (!ns) return XHTML;
    return ns.startsWith('http') ? ns : (NS[ns] ?? XHTML);
  }
  isDefaultNamespace(): boolean {
    return this.namespaceURI() === XHTML;
  }
  /** The form an input, button, select… belongs to: its ancestor, or the one its form attribute names. */
  formElement(): Element | undefined {
    const up = this.sel.closest('form');
    if (up.size()) return this.list(up)[0];
    const id = this.attr('form');
    return id ? this.list(this.sel.parents().last().find(`#${id}`))[0] : undefined;
  }
}

type TagMethods = Record<string, (el: Element) => unknown>;

/** The parts of a link's URL; a relative href without a response URL keeps only path, query and hash, as in Go. */
function linkParts(el: Element): Partial<URL> | undefined {
  const raw = el.urlAttr('href');
  try {
    return new URL(raw);
  } catch {
    try {
      const { pathname, search, hash } = new URL(raw, 'http://relative.invalid');
      return { pathname, search, hash };
    } catch {
      return undefined;
    }
  }
}
const href: TagMethods = {
  href: (el) => el.urlAttr('href'),
  hash: (el) => linkParts(el)?.hash ?? '',
  host: (el) => linkParts(el)?.host ?? '',
  hostname: (el) => linkParts(el)?.hostname ?? '',
  port: (el) => linkParts(el)?.port ?? '',
  username: (el) => linkParts(el)?.username ?? '',
  password: (el) => linkParts(el)?.password ?? '',
  origin: (el) => linkParts(el)?.origin ?? '',
  pathname: (el) => linkParts(el)?.pathname ?? '',
  protocol: (el) => linkParts(el)?.protocol ?? '',
  search: (el) => linkParts(el)?.search ?? '',
  rel: (el) => el.attr('rel'),
  relList: (el) => el.attr('rel').split(/\s+/).filter(Boolean),
  target: (el) => el.attr('target'),
  download: (el) => el.attr('download'),
  hreflang: (el) => el.attr('hreflang'),
  media: (el) => el.attr('media'),
  type: (el) => el.attr('type'),
  text: (el) => el.textContent(),
};
const field: TagMethods = {
  form: (el) => el.formElement(),
  name: (el) => el.attr('name'),
  disabled: (el) => el.hasAttribute('disabled'),
  autofocus: (el) => el.hasAttribute('autofocus'),
  required: (el) => el.hasAttribute('required'),
  value: (el) => el.selection().val(),
  labels: (el) => {
    const id = el.id();
    const wrapping = el.selection().closest('label');
    const byFor = id ? el.selection().parents().last().find(`label[for="${id}"]`) : wrapping.eq(wrapping.size());
    return wrapping.add(byFor).get() ?? [];
  },
};
const text: TagMethods = { text: (el) => el.textContent() };

/** Tag-specific accessors, as k6's generated element types. */
const TAG_METHODS: Record<string, TagMethods> = {
  a: href,
  area: { ...href, alt: (el) => el.attr('alt'), coords: (el) => el.attr('coords'), shape: (el) => el.attr('shape') },
  base: { href: (el) => el.urlAttr('href', el.selection().url), target: (el) => el.attr('target') },
  link: { href: (el) => el.urlAttr('href'), rel: (el) => el.attr('rel'), relList: href.relList, type: href.type },
  form: {
    action: (el) => el.urlAttr('action'),
    method: (el) => (el.attr('method').toLowerCase() === 'post' ? 'post' : 'get'),
    enctype: (el) => el.attr('enctype') || 'application/x-www-form-urlencoded',
    name: (el) => el.attr('name'),
    target: (el) => el.attr('target'),
    noValidate: (el) => el.hasAttribute('novalidate'),
    elements: (el) => el.selection().find('input,select,textarea,button,fieldset,object,output').get() ?? [],
    length: (el) => el.selection().find('input,select,textarea,button,fieldset,object,output').size(),
  },
  input: {
    ...field,
    type: (el) => el.attr('type').toLowerCase() || 'text',
    checked: (el) => el.hasAttribute('checked'),
    defaultChecked: (el) => el.hasAttribute('checked'),
    defaultValue: (el) => el.attr('value'),
    placeholder: (el) => el.attr('placeholder'),
    readOnly: (el) => el.hasAttribute('readonly'),
    multiple: (el) => el.hasAttribute('multiple'),
    pattern: (el) => el.attr('pattern'),
    min: (el) => el.attr('min'),
    max: (el) => el.attr('max'),
    step: (el) => el.attr('step'),
    accept: (el) => el.attr('accept'),
    alt: (el) => el.attr('alt'),
    src: (el) => el.urlAttr('src'),
    maxLength: (el) => el.intAttr('maxlength', -1),
    size: (el) => el.intAttr('size', 0),
  },
  button: {
    ...field,
    type: (el) =>
      ['reset', 'button'].includes(el.attr('type').toLowerCase()) ? el.attr('type').toLowerCase() : 'submit',
    formAction: (el) => el.urlAttr('formaction', el.selection().url),
    formEnctype: (el) => el.attr('formenctype'),
    formMethod: (el) => el.attr('formmethod'),
    formNoValidate: (el) => el.hasAttribute('formnovalidate'),
    formTarget: (el) => el.attr('formtarget'),
  },
  select: {
    ...field,
    multiple: (el) => el.hasAttribute('multiple'),
    options: (el) => el.selection().find('option').get() ?? [],
    length: (el) => el.selection().find('option').size(),
    selectedOptions: (el) => el.selection().find('option[selected]').get() ?? [],
    selectedIndex: (el) => el.selection().find('option').index(el.selection().find('option[selected]').first()),
    type: (el) => (el.hasAttribute('multiple') ? 'select-multiple' : 'select-one'),
  },
  option: {
    form: field.form,
    disabled: field.disabled,
    label: (el) => el.getAttribute('label') ?? el.textContent(),
    text: (el) => el.textContent(),
    value: (el) => el.selection().val(),
    selected: (el) => el.hasAttribute('selected'),
    defaultSelected: (el) => el.hasAttribute('selected'),
    index: (el) => el.selection().closest('select').find('option').index(el.selection()),
  },
  textarea: {
    ...field,
    type: () => 'textarea',
    rows: (el) => el.intAttr('rows', 0),
    cols: (el) => el.intAttr('cols', 0),
    placeholder: (el) => el.attr('placeholder'),
    readOnly: (el) => el.hasAttribute('readonly'),
    maxLength: (el) => el.intAttr('maxlength', 0),
    defaultValue: (el) => el.textContent(),
  },
  label: {
    htmlFor: (el) => el.attr('for'),
    control: (el) =>
      el.attr('for')
        ? el
            .selection()
            .parents()
            .last()
            .find(`#${el.attr('for')}`)
            .get(0)
        : el.selection().find('button,input,meter,output,progress,select,textarea').get(0),
    form: field.form,
  },
  legend: { form: field.form },
  fieldset: {
    form: field.form,
    name: field.name,
    disabled: field.disabled,
    type: () => 'fieldset',
    elements: (el) => el.selection().find('input,select,textarea,button,fieldset,object,output').get() ?? [],
  },
  output: { form: field.form, name: field.name, value: (el) => el.textContent(), labels: field.labels },
  img: {
    src: (el) => el.urlAttr('src'),
    alt: (el) => el.attr('alt'),
    width: (el) => el.intAttr('width', 0),
    height: (el) => el.intAttr('height', 0),
    currentSrc: (el) => el.urlAttr('src'),
    useMap: (el) => el.attr('usemap'),
    isMap: (el) => el.hasAttribute('ismap'),
  },
  script: { ...text, src: (el) => el.urlAttr('src'), type: (el) => el.attr('type') },
  style: { ...text, type: (el) => el.attr('type'), media: (el) => el.attr('media') },
  title: text,
  meta: {
    name: (el) => el.attr('name'),
    content: (el) => el.attr('content'),
    httpEquiv: (el) => el.attr('http-equiv'),
  },
  iframe: {
    src: (el) => el.urlAttr('src'),
    name: (el) => el.attr('name'),
    width: (el) => el.attr('width'),
    height: (el) => el.attr('height'),
  },
  table: {
    caption: (el) => el.selection().children('caption').get(0),
    thead: (el) => el.selection().children('thead').get(0),
    tbody: (el) => el.selection().children('tbody').get(0),
    tfoot: (el) => el.selection().children('tfoot').get(0),
    rows: (el) => el.selection().find('tr').get() ?? [],
  },
  tr: {
    cells: (el) => el.selection().children('td,th').get() ?? [],
    rowIndex: (el) => el.selection().closest('table').find('tr').index(el.selection()),
    sectionRowIndex: (el) => el.selection().parent().children('tr').index(el.selection()),
  },
  td: {
    cellIndex: (el) => el.selection().parent().children('td,th').index(el.selection()),
    colSpan: (el) => el.intAttr('colspan', 1),
    rowSpan: (el) => el.intAttr('rowspan', 1),
    headers: (el) => el.attr('headers'),
  },
  th: {
    cellIndex: (el) => el.selection().parent().children('td,th').index(el.selection()),
    colSpan: (el) => el.intAttr('colspan', 1),
    rowSpan: (el) => el.intAttr('rowspan', 1),
    headers: (el) => el.attr('headers'),
  },
  li: { value: (el) => el.intAttr('value', 0) },
  ol: {
    reversed: (el) => el.hasAttribute('reversed'),
    start: (el) => el.intAttr('start', 0),
    type: (el) => el.attr('type'),
  },
  progress: {
    max: (el) => Number(el.attr('max')) || 1,
    value: (el) => Number(el.attr('value')) || 0,
    position: (el) => (el.hasAttribute('value') ? (Number(el.attr('value')) || 0) / (Number(el.attr('max')) || 1) : -1),
  },
  canvas: { width: (el) => el.intAttr('width', 300), height: (el) => el.intAttr('height', 150) },
  datalist: { options: (el) => el.selection().find('option').get() ?? [] },
  map: {
    areas: (el) => el.selection().find('area').get() ?? [],
    images: (el) =>
      el
        .selection()
        .parents()
        .last()
        .find(`img[usemap="#${el.attr('name')}"]`)
        .get() ?? [],
  },
};
