/** A small JSON client for the platform's API; every call is bounded by a timeout. */
export interface ApiResponse {
  status: number;
  body: { success: boolean; data?: unknown; error?: string };
}

export async function callApi(
  base: string,
  method: string,
  path: string,
  { token, body, timeoutMs = 60_000 }: { token: string; body?: unknown; timeoutMs?: number },
): Promise<ApiResponse> {
  const res = await fetch(base + path, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  return { status: res.status, body: (await res.json()) as ApiResponse['body'] };
}

/** `callApi` that insists on a 2xx and returns `data`. */
export async function apiData<T>(...args: Parameters<typeof callApi>): Promise<T> {
  const r = await callApi(...args);
  if (r.status >= 300) throw new Error(`${args[1]} ${args[2]}: ${r.status} ${r.body.error ?? ''}`);
  return r.body.data as T;
}

/** Runs `fn` over `items` with at most `limit` calls in flight. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
