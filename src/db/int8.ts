/** BIGINT text to a JS number when it is exact, else keep the text: JSON cannot carry BigInt and must not round. */
export function parseInt8(v: string): number | string {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}
