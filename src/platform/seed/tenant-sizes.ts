/**
 * Splits `total` rows over `tenants` tenants. zipf: weight 1/(rank)^1.1, so a few tenants are large (as in real SaaS);
 * uniform: equal shares. Deterministic, and the parts add up to `total`.
 */
export function tenantSizes(tenants: number, total: number, skew: 'zipf' | 'uniform'): number[] {
  const w = Array.from({ length: tenants }, (_, i) => (skew === 'zipf' ? 1 / Math.pow(i + 1, 1.1) : 1));
  const sum = w.reduce((a, b) => a + b, 0);
  const sizes = w.map((x) => Math.floor((x / sum) * total));
  let rest = total - sizes.reduce((a, b) => a + b, 0);
  for (let i = 0; rest > 0; i = (i + 1) % tenants, rest--) sizes[i]!++;
  return sizes;
}
