export interface HtmlRow {
  /** Cells as HTML: escape text before passing it. */
  cells: string[];
  className?: string;
}

/** A plain table; `head` is text, escaped by the caller like the cells. */
export function htmlTable(id: string, head: string[], rows: HtmlRow[]): string {
  const th = head.map((h) => `<th>${h}</th>`).join('');
  const body = rows
    .map(
      (r) => `<tr${r.className ? ` class="${r.className}"` : ''}>${r.cells.map((c) => `<td>${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table id="${id}"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}
