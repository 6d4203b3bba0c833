// The slices of k6's modules that the bundled jslib stand-ins use. The root tsconfig does not load
// @types/k6 (it types the Node sources); these modules resolve to the runtime shims at bundle time.
declare module 'k6' {
  export function check<T>(value: T, checks: Record<string, (v: T) => unknown>, tags?: object): boolean;
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
  // The root program also type-checks TypeScript test fixtures that import k6/http: they need the request verbs.
  export interface Response {
    status: number;
    body: unknown;
    headers: Record<string, string>;
    json(selector?: string): unknown;
  }
  const http: {
    request(method: string, url: string, body?: Body, params?: Params): Response;
    asyncRequest(method: string, url: string, body?: Body, params?: Params): Promise<Response>;
    batch(requests: unknown[]): Response[];
    get(url: string, params?: Params): Response;
    post(url: string, body?: Body, params?: Params): Response;
  };
  export default http;
}
