// A real S3-protocol server on loopback for the tests: s3rver (npm), in this process, storing under a temp dir.
// Why s3rver: it installs from npm on Node 20 with no engine warning and no native or downloaded parts, speaks
// ListObjectsV2 and multipart uploads (initiate, upload part, complete) and checks SigV4 signatures. The
// alternatives did not fit: Debian 12 has no python3-moto, MinIO is not in Debian or npm, and the maintained
// s3rver fork needs Node 24. s3rver 3.7 does not implement AbortMultipartUpload (it answers 405), so this harness
// answers it (204) and records it: the tests check that tenantops sends it for the upload it started. Nor does it
// honour `If-None-Match: *` on PUT (it overwrites), which AWS S3 (since August 2024) and MinIO refuse with 412 when
// the key exists: the harness does that too, one such PUT per key at a time, so the run lock's create-if-absent
// path is tested as those servers behave; `conditionalPuts: false` turns it off to test a server that ignores it.
import { after, before } from 'node:test';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';

interface KoaContext {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
  headers: Record<string, string | undefined>;
  status: number;
  body: unknown;
  type: string;
  store: { existsObject(bucket: string, key: string): Promise<boolean> };
}
type Middleware = (ctx: KoaContext, next: () => Promise<void>) => Promise<void>;
interface S3rverInstance {
  middleware: Middleware[];
  run(): Promise<AddressInfo>;
  close(): Promise<void>;
}
type S3rverCtor = new (opts: {
  address: string;
  port: number;
  silent: boolean;
  directory: string;
  configureBuckets: { name: string }[];
}) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require('s3rver') as S3rverCtor;

/**
 * s3rver seals its ListObjectsV2 continuation tokens with DES, which OpenSSL 3 (Node 17+) refuses without the
 * legacy provider: every listing of more than 1000 keys failed with HTTP 500, so pagination went untested. Its
 * calls (8-byte key and IV, only ever 'des') get AES-128-CTR with both zero-padded to 16 bytes instead: the tokens
 * stay opaque and reversible, which is all s3rver needs of them.
 */
function patchS3rverDes(): void {
  const crypto = require('node:crypto') as typeof import('node:crypto') & { s3rverDesPatched?: boolean };
  if (crypto.s3rverDesPatched) return;
  crypto.s3rverDesPatched = true;
  const pad = (b: Buffer) => Buffer.concat([b, Buffer.alloc(16 - b.length)]);
  const cipher = crypto.createCipheriv;
  const decipher = crypto.createDecipheriv;
  const patched = <T extends typeof cipher | typeof decipher>(make: T): T =>
    ((alg: string, key: Buffer, iv: Buffer, opts?: unknown) =>
      alg === 'des'
        ? make('aes-128-ctr', pad(key), pad(iv))
        : (make as (...a: unknown[]) => unknown)(alg, key, iv, opts)) as T;
  crypto.createCipheriv = patched(cipher);
  crypto.createDecipheriv = patched(decipher);
}

/** One request the server saw, as `METHOD path?query-keys` (e.g. `POST /b/k?uploads`). */
export interface SeenRequest {
  method: string;
  path: string;
  query: Record<string, string | undefined>;
}

export interface S3TestServer {
  endpoint: string;
  /** The environment a tenantops process needs to reach it (credentials are s3rver's fixed test pair). */
  env: Record<string, string>;
  requests: SeenRequest[];
  stop(): Promise<void>;
}

export async function startS3Server(
  buckets: string[],
  {
    conditionalPuts = true,
    refuseDelete,
  }: {
    conditionalPuts?: boolean;
    /** Objects whose DeleteObject is answered 403 AccessDenied (a policy without s3:DeleteObject on them). */
    refuseDelete?: (key: string) => boolean;
  } = {},
): Promise<S3TestServer> {
  patchS3rverDes();
  const directory = mkdtempSync(join(tmpdir(), 'tenantops-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const requests: SeenRequest[] = [];
  // Conditional PUTs in flight per path: each waits for the one before it, so check-then-store is atomic.
  const putting = new Map<string, Promise<void>>();
  // First in the chain (Koa composes its middleware when it starts listening).
  server.middleware.unshift(async (ctx, next) => {
    requests.push({ method: ctx.method, path: ctx.path, query: { ...ctx.query } });
    if (ctx.method === 'DELETE' && ctx.query.uploadId !== undefined) {
      ctx.status = 204;
      return;
    }
    if (ctx.method === 'DELETE' && refuseDelete?.(decodeURIComponent(ctx.path.split('/').slice(2).join('/')))) {
      ctx.status = 403;
      ctx.type = 'application/xml';
      ctx.body =
        '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
      return;
    }
    if (conditionalPuts && ctx.method === 'PUT' && ctx.headers['if-none-match'] === '*') {
      const [, bucket = '', ...rest] = ctx.path.split('/');
      const key = decodeURIComponent(rest.join('/'));
      const prev = putting.get(ctx.path) ?? Promise.resolve();
      let done!: () => void;
      const mine = new Promise<void>((r) => (done = r));
      putting.set(ctx.path, mine);
      await prev;
      try {
        if (await ctx.store.existsObject(bucket, key)) {
          ctx.status = 412;
          ctx.type = 'application/xml';
          ctx.body =
            '<?xml version="1.0" encoding="UTF-8"?><Error><Code>PreconditionFailed</Code>' +
            '<Message>At least one of the pre-conditions you specified did not hold</Message></Error>';
          return;
        }
        await next();
      } finally {
        if (putting.get(ctx.path) === mine) putting.delete(ctx.path);
        done();
      }
      return;
    }
    await next();
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_REGION: 'us-east-1',
    },
    requests,
    async stop() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}

/**
 * A server for the whole test file: started before its first test, stopped after its last, with this process's
 * environment pointing at it meanwhile (the SDK's credential chain reads process.env, and child processes started
 * from it inherit it). Its fields are read inside tests, once `before` has run.
 */
export function useS3Server(buckets: string[] = ['tenantops']): Omit<S3TestServer, 'stop'> {
  let server: S3TestServer | undefined;
  const saved = { ...process.env };
  before(async () => {
    server = await startS3Server(buckets);
    Object.assign(process.env, server.env);
  });
  after(async () => {
    process.env = saved;
    await server?.stop();
  });
  const started = () => {
    if (!server) throw new Error('useS3Server: the server starts in before(); read it inside a test');
    return server;
  };
  return {
    get endpoint() {
      return started().endpoint;
    },
    get env() {
      return started().env;
    },
    get requests() {
      return started().requests;
    },
  };
}
