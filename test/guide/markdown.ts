/**
 * Just enough CommonMark for the documentation checks: fenced blocks, ATX headings with GitHub's anchors, and
 * links. Text inside fences and inline code spans is never read as a heading or a link.
 */

export interface FencedBlock {
  lang: string;
  body: string;
  /** 1-based line of the opening fence. */
  line: number;
}

export interface MarkdownLine {
  text: string;
  /** 1-based. */
  line: number;
  /** Inside a fenced code block (the fence lines included). */
  fenced: boolean;
}

const FENCE = /^ {0,3}(`{3,}|~{3,})\s*([\w+-]*)/;

export function markdownLines(markdown: string): MarkdownLine[] {
  const out: MarkdownLine[] = [];
  let open: string | null = null;
  markdown.split('\n').forEach((text, i) => {
    const m = FENCE.exec(text);
    if (open === null && m) {
      open = m[1];
      out.push({ text, line: i + 1, fenced: true });
    } else if (open !== null) {
      out.push({ text, line: i + 1, fenced: true });
      // A closing fence uses the same character, at least as many of them, and nothing after it.
      const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
      if (close && close[1][0] === open[0] && close[1].length >= open.length) open = null;
    } else out.push({ text, line: i + 1, fenced: false });
  });
  return out;
}

export function fencedBlocks(markdown: string, lang?: string): FencedBlock[] {
  const blocks: FencedBlock[] = [];
  let current: FencedBlock | null = null;
  let fence = '';
  markdown.split('\n').forEach((text, i) => {
    if (!current) {
      const m = FENCE.exec(text);
      if (m) {
        current = { lang: m[2].toLowerCase(), body: '', line: i + 1 };
        fence = m[1];
      }
      return;
    }
    const close = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(text);
    if (close && close[1][0] === fence[0] && close[1].length >= fence.length) {
      blocks.push(current);
      current = null;
      return;
    }
    current.body += `${current.body ? '\n' : ''}${text}`;
  });
  return lang === undefined ? blocks : blocks.filter((b) => b.lang === lang);
}

/** The text a heading renders to: links and images keep their text, inline HTML goes, code spans lose backticks. */
function stripInlineMarkup(text: string): string {
  return text
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // links and images keep their text
    .replace(/<[^>]+>/g, '') // inline HTML such as <a id="x"></a>
    .replace(/`+([^`]*)`+/g, '$1');
}

/**
 * GitHub's heading anchor (github-slugger): lower case; drop everything that is not a letter, mark, number,
 * connector punctuation (`_`), space or hyphen; each space becomes a hyphen. Runs of spaces are not collapsed.
 */
export function githubSlug(headingText: string): string {
  return stripInlineMarkup(headingText)
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

export interface Heading {
  level: number;
  /** The heading's source text, closing #s removed. */
  text: string;
  anchor: string;
  line: number;
}

/** ATX headings in order, with anchors de-duplicated the way GitHub does (`x`, `x-1`, `x-2`). */
export function headings(markdown: string): Heading[] {
  const seen = new Map<string, number>();
  const out: Heading[] = [];
  for (const l of markdownLines(markdown)) {
    if (l.fenced) continue;
    const m = /^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$/.exec(l.text);
    if (!m) continue;
    const base = githubSlug(m[2]);
    const n = seen.get(base);
    seen.set(base, (n ?? -1) + 1);
    out.push({ level: m[1].length, text: m[2], anchor: n === undefined ? base : `${base}-${n + 1}`, line: l.line });
  }
  return out;
}

/** Every anchor a link may target: heading anchors plus explicit `<a id="…">` / `name="…"` anchors. */
export function anchors(markdown: string): Set<string> {
  const set = new Set(headings(markdown).map((h) => h.anchor));
  for (const l of markdownLines(markdown)) {
    if (l.fenced) continue;
    for (const m of l.text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) set.add(m[1]);
  }
  return set;
}

export interface Link {
  target: string;
  line: number;
}

/** Link and image destinations, inline and reference-style definitions, outside code. */
export function links(markdown: string): Link[] {
  const out: Link[] = [];
  for (const l of markdownLines(markdown)) {
    if (l.fenced) continue;
    const text = l.text.replace(/`+[^`]*`+/g, '');
    const def = /^ {0,3}\[[^\]]+\]:\s*<?([^\s>]+)>?/.exec(text);
    if (def) out.push({ target: def[1], line: l.line });
    for (const m of text.matchAll(/\]\(\s*(?:<([^>]*)>|([^)\s]*))(?:\s+"[^"]*")?\s*\)/g)) {
      out.push({ target: m[1] ?? m[2], line: l.line });
    }
  }
  return out;
}

/** Whether a link leaves the repository (a scheme such as https: or mailto:, or a protocol-relative URL). */
export function isExternal(target: string): boolean {
  return /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');
}
