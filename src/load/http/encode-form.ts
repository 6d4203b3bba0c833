/** Go's url.QueryEscape: only A-Z a-z 0-9 - _ . ~ stay as they are, and a space becomes "+". */
export function queryEscape(s: string): string {
  return encodeURIComponent(s)
    .replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
    .replace(/%20/g, '+');
}

/**
 * An object body as k6 sends it (application/x-www-form-urlencoded): Go's url.Values.Encode,
 * so keys are sorted, an array value repeats its key (`a=x&a=y`), null and undefined are empty,
 * and a nested object or array of objects is sent empty (k6 warns about it).
 * https://grafana.com/docs/k6/latest/javascript-api/k6-http/request/
 */
export function encodeForm(body: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const key of Object.keys(body).sort()) {
    const v = body[key];
    const values = Array.isArray(v) ? v : [v];
    for (const item of values) pairs.push(`${queryEscape(key)}=${queryEscape(formValue(item))}`);
  }
  return pairs.join('&');
}

/** One form value as text, as k6's formatFormVal. */
export function formValue(v: unknown): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'object') return '';
  return String(v);
}
