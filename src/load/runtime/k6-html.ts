import { loadHtml } from '../html/load-html.ts';
import { Selection } from '../html/selection.ts';

/** Parses an HTML document into a Selection of the whole document. */
export function parseHTML(src: string, url = ''): Selection {
  const $ = loadHtml(String(src));
  return new Selection($, $.root(), url);
}

/**
 * The `k6/html` module: parseHTML(src) returns a Selection of the document.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-html/
 */
export function createK6Html() {
  return { parseHTML: (src: string) => parseHTML(src) };
}
