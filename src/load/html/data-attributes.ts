// Go's snaker, which k6 uses to turn data-* names into properties, keeps these words upper-case.
const INITIALISMS = new Set(
  'ACL API ASCII CPU CSS DNS EOF GUID HTML HTTP HTTPS ID IP JSON LHS QPS RAM RHS RPC SLA SMTP SQL SSH TCP TLS TTL UDP UI UID UUID URI URL UTF8 VM XML XMPP XSRF XSS'.split(
    ' ',
  ),
);

/** "test-id" → "testID", "foo-bar-baz" → "fooBarBaz": the key of a data-* attribute in data(). */
export function dataProperty(name: string): string {
  const [first, ...rest] = name.split('-');
  return (
    first +
    rest
      .filter(Boolean)
      .map((w) => (INITIALISMS.has(w.toUpperCase()) ? w.toUpperCase() : w[0].toUpperCase() + w.slice(1)))
      .join('')
  );
}

/** "testId" or "testID" → "test-id": the attribute data(key) reads. */
export function dataAttribute(key: string): string {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1-$2')
    .toLowerCase()
    .replace(/_/g, '-');
}

/**
 * A data-* value as k6 returns it: JSON for objects and arrays, booleans, numbers that
 * print back the same, undefined for "", "null" and "undefined", else the string.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-html/selection/selection-data/
 */
export function dataValue(value: string): unknown {
  if (value === '' || value === 'null' || value === 'undefined') return undefined;
  if (value[0] === '{' || value[0] === '[') {
    try {
      return JSON.parse(value) as unknown;
    } catch {
      return value;
    }
  }
  if (value === 'true') return true;
  if (value === 'false') return false;
  const n = Number(value);
  return /^-?\d/.test(value) && String(n) === value ? n : value;
}
