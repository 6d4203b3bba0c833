/** Go's CanonicalMIMEHeaderKey, so `res.headers['Content-Type']` works as it does in k6. */
export function canonicalHeader(name: string): string {
  return name.toLowerCase().replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}
