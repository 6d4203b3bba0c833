const known = new Map<string, string>();

/** Go's CanonicalMIMEHeaderKey, so `res.headers['Content-Type']` works as it does in k6. */
export function canonicalHeader(name: string): string {
  // Servers send the same few names on every response: they are converted once.
  let canonical = known.get(name);
  if (canonical === undefined) {
    canonical = name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
    if (known.size < 1000) known.set(name, canonical);
  }
  return canonical;
}
