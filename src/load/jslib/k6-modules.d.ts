// The slices of k6's modules that the bundled jslib stand-ins use. The root tsconfig does not load
// @types/k6 (it types the Node sources); these modules resolve to the runtime shims at bundle time.
declare module 'k6' {
  export function check(value: unknown, checks: Record<string, (v: unknown) => unknown>, tags?: object): boolean;
}
declare module 'k6/crypto' {
  export function randomBytes(n: number): ArrayBuffer;
}
declare module 'k6/execution' {
  const exec: {
    scenario: { name: string; startTime: number };
    test: { options: { scenarios: Record<string, { stages?: { duration: string; target: number }[] }> } };
    vu: { tags: Record<string, unknown> };
  };
  export default exec;
}
declare module 'k6/http' {
  export type Params = Record<string, unknown> & { headers?: Record<string, string>; tags?: Record<string, string> };
  export type Body = unknown;
  const http: {
    request(method: string, url: string, body?: Body, params?: Params): unknown;
    asyncRequest(method: string, url: string, body?: Body, params?: Params): Promise<unknown>;
    batch(requests: unknown[]): unknown[];
  };
  export default http;
}
