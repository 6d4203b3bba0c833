import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP server with the endpoints the fixtures use:
 * /ok (JSON), /status/N, /slow?ms=N, /echo (echoes the body), /redirect → /ok.
 */
export async function startTestServer(): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const u = new URL(req.url ?? '/', 'http://localhost');
      const json = (status: number, value: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      const status = /^\/status\/(\d{3})$/.exec(u.pathname);
      if (status) return json(Number(status[1]), { status: Number(status[1]) });
      if (u.pathname === '/slow') {
        setTimeout(() => json(200, { slow: true }), Number(u.searchParams.get('ms') ?? 10));
        return;
      }
      if (u.pathname === '/echo')
        return json(200, { method: req.method, body, tenant: req.headers['x-tenant'] ?? null });
      // The request's body as the response's, for scripts that need a response of their own making.
      if (u.pathname === '/reply') {
        res.writeHead(200, { 'content-type': 'application/json' });
        return res.end(body);
      }
      if (u.pathname === '/redirect') {
        res.writeHead(302, { location: '/ok' });
        return res.end();
      }
      return json(200, { ok: true, id: requests.length });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
