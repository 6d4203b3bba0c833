import { randomBytes } from 'node:crypto';
import { createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { S3Client } from '@aws-sdk/client-s3';
import { TenantopsError } from '../../errors/index.ts';
import type { ArchiveSink } from '../archive/archive-sink.ts';
import { trackPartial, untrackPartial } from '../archive/partial-files.ts';
import type { BackupStore, StoredObject } from './backup-store.ts';

/** Parts of a multipart upload: S3's minimum. At most QUEUE parts are held in memory per archive being written. */
const PART_SIZE = 5 * 1024 * 1024;
const QUEUE = 2;

export interface S3StoreOptions {
  /** Endpoint of a non-AWS server (MinIO, Ceph, IONOS); default: AWS, or AWS_ENDPOINT_URL(_S3). */
  endpoint?: string;
  /** Path-style addressing (`endpoint/bucket/key`), which servers without per-bucket DNS names need. */
  forcePathStyle?: boolean;
  region?: string;
}

/**
 * `s3://bucket/prefix` → bucket and prefix (without slashes at either end), or null for a local path. Anything else
 * that starts with `s3:` (any case) is TENANTOPS_E_USAGE: `s3:/bucket/x`, `S3://bucket/x`, `s3:///x` and `s3://` were
 * taken as local directories named `s3:`, and a nightly run meant for a bucket wrote to the machine's own disk
 * (a container's, gone with it) and said it had succeeded. `./s3:x` still names such a directory.
 */
export function parseS3Url(raw: string): { bucket: string; prefix: string } | null {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(raw);
  if (!m && /^s3:/i.test(raw))
    throw new TenantopsError(
      'TENANTOPS_E_USAGE',
      `${raw} is not an S3 location: write s3://BUCKET or s3://BUCKET/PREFIX (a local directory whose name starts with s3: is ./s3:…)`,
    );
  return m ? { bucket: m[1]!, prefix: m[2]!.replace(/^\/+|\/+$/g, '') } : null;
}

/**
 * The client options for an S3-compatible server from the environment. Credentials are the SDK's default chain
 * (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, AWS_PROFILE and ~/.aws, web identity, instance roles); they are never
 * passed here, so they never reach argv or a message.
 */
export function s3OptionsFromEnv(env: NodeJS.ProcessEnv): S3StoreOptions {
  const endpoint = env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
  const pathStyle = env.TENANTOPS_S3_PATH_STYLE;
  return {
    endpoint,
    // Servers other than AWS rarely have a DNS name per bucket: path style by default when an endpoint is given.
    forcePathStyle: pathStyle === undefined || pathStyle === '' ? !!endpoint : pathStyle !== '0',
    // A custom endpoint ignores the region, but the SDK refuses to sign without one.
    region: env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined),
  };
}

// A HEAD request's error has no body, so the SDK names it only 'NotFound: UnknownError': the status says it all.
const HEAD_STATUS: Record<number, string> = {
  301: 'the bucket is in another region: set AWS_REGION to it',
  400: 'the server refused the request: check AWS_ENDPOINT_URL and AWS_REGION',
  403: 'access denied: check the credentials and the bucket policy',
  404: 'no such bucket',
};

function storageError(what: string, e: unknown): TenantopsError {
  if (e instanceof TenantopsError) return e;
  const err = e as Error & { $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const plain = err.message === 'UnknownError' && status ? HEAD_STATUS[status] : undefined;
  return new TenantopsError(
    'TENANTOPS_E_STORAGE',
    `${what}: ${plain ?? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message || 'failed'}`}` +
      `${status ? ` (HTTP ${status})` : ''}`,
    { cause: e },
  );
}

interface Sdk {
  s3: typeof import('@aws-sdk/client-s3');
  storage: typeof import('@aws-sdk/lib-storage');
}
let sdkLoad: Promise<Sdk> | undefined;

/**
 * The AWS SDK, loaded on first use: importing it takes about 0.15 s, which every backup and restore of a local
 * file paid at start-up when it was imported statically.
 */
function sdk(): Promise<Sdk> {
  sdkLoad ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]).then(([s3, storage]) => ({
    s3,
    storage,
  }));
  return sdkLoad;
}

/** A bucket prefix on an S3-compatible object store (AWS S3, IONOS, MinIO, Ceph RGW). */
export class S3Store implements BackupStore {
  readonly hostLocalPids = false;
  private clientLoad: Promise<S3Client> | undefined;
  private readonly prefix: string;

  constructor(
    readonly location: string,
    private readonly bucket: string,
    prefix: string,
    private readonly opts: S3StoreOptions = {},
  ) {
    this.prefix = prefix ? `${prefix}/` : '';
    // The SDK warns on Node < 22 that its releases after January 2027 will need Node 22; tenantops supports Node 20
    // with the SDK version in its lockfile, and a multi-line warning on every cron run helps no one. An explicit
    // AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED=false brings it back.
    process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  }

  private client(): Promise<S3Client> {
    this.clientLoad ??= sdk().then(
      ({ s3 }) =>
        new s3.S3Client({
          endpoint: this.opts.endpoint,
          forcePathStyle: this.opts.forcePathStyle,
          region: this.opts.region,
          // The SDK's default (since 2025) adds CRC32 checksums and aws-chunked bodies to every upload, which many
          // S3-compatible servers reject or store verbatim; our archives carry their own SHA-256s.
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }),
    );
    return this.clientLoad;
  }

  private key(name: string): string {
    return this.prefix + name;
  }

  private address(name: string): string {
    return `s3://${this.bucket}/${this.key(name)}`;
  }

  async prepare(): Promise<void> {
    try {
      const { s3 } = await sdk();
      await (await this.client()).send(new s3.HeadBucketCommand({ Bucket: this.bucket }));
    } catch (e) {
      throw storageError(
        `cannot use bucket s3://${this.bucket} (check it exists, the credentials and AWS_ENDPOINT_URL)`,
        e,
      );
    }
  }

  async list(): Promise<StoredObject[]> {
    const out: StoredObject[] = [];
    let token: string | undefined;
    try {
      const { s3 } = await sdk();
      const client = await this.client();
      do {
        const r = await client.send(
          // Delimiter '/': objects "in sub-folders" (safety/…) are not this location's, as locally.
          new s3.ListObjectsV2Command({
            Bucket: this.bucket,
            Prefix: this.prefix,
            Delimiter: '/',
            ContinuationToken: token,
          }),
        );
        for (const o of r.Contents ?? [])
          if (o.Key && o.Key.length > this.prefix.length)
            out.push({ name: o.Key.slice(this.prefix.length), bytes: o.Size ?? 0 });
        token = r.IsTruncated ? r.NextContinuationToken : undefined;
      } while (token);
    } catch (e) {
      throw storageError(`cannot list ${this.location}`, e);
    }
    return out;
  }

  /**
   * A multipart upload fed by a stream: parts of 5 MiB leave as they fill, so no copy of the whole archive exists
   * anywhere, and S3 shows the object only when CompleteMultipartUpload succeeds. An archive smaller than one part
   * goes as one PutObject once the stream ends, which is atomic too.
   */
  put(name: string): ArchiveSink {
    const address = this.address(name);
    // Two streams: lib-storage destroys its body with a bare AbortError when a request fails, and the writer
    // must see the request's own error instead (from done, below).
    const stream = new PassThrough();
    const body = new PassThrough();
    body.on('error', () => undefined);
    stream.pipe(body);
    const params = { Bucket: this.bucket, Key: this.key(name), Body: body };
    // The stream is handed out at once; the upload starts reading it once the SDK is loaded.
    const done = Promise.all([sdk(), this.client()]).then(([{ storage }, client]) =>
      new storage.Upload({ client, params, partSize: PART_SIZE, queueSize: QUEUE, leavePartsOnError: false }).done(),
    );
    // A failed request stops the writer at its next write instead of leaving it waiting for a drain.
    done.catch((e) => stream.destroy(storageError(`cannot upload ${address}`, e)));
    return {
      name: address,
      stream,
      async commit() {
        try {
          await done;
        } catch (e) {
          throw storageError(`cannot upload ${address}`, e);
        }
      },
      async abort() {
        // Never end() the body here: the upload would complete with what it has. An error in the body makes
        // lib-storage send AbortMultipartUpload (leavePartsOnError: false) before done() settles.
        body.destroy(new Error('archive aborted'));
        stream.destroy();
        await done.catch(() => undefined);
      },
    };
  }

  async *get(name: string): AsyncIterable<Buffer> {
    let body: Readable;
    try {
      const { s3 } = await sdk();
      const r = await (await this.client()).send(new s3.GetObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
      body = r.Body as Readable;
    } catch (e) {
      throw storageError(`cannot read ${this.address(name)}`, e);
    }
    try {
      for await (const c of body) yield c as Buffer;
    } catch (e) {
      throw storageError(`cannot read ${this.address(name)}`, e);
    }
  }

  async delete(name: string): Promise<void> {
    try {
      const { s3 } = await sdk();
      await (await this.client()).send(new s3.DeleteObjectCommand({ Bucket: this.bucket, Key: this.key(name) }));
    } catch (e) {
      throw storageError(`cannot delete ${this.address(name)}`, e);
    }
  }

  async createExclusive(name: string, text: string): Promise<boolean> {
    try {
      const { s3 } = await sdk();
      await (
        await this.client()
      ).send(
        // AWS S3 (since August 2024) and MinIO refuse this PUT with 412 when the key exists; a server that ignores
        // the header overwrites, and the caller's read-back (run-lock.ts) is then the only check.
        new s3.PutObjectCommand({ Bucket: this.bucket, Key: this.key(name), Body: text, IfNoneMatch: '*' }),
      );
      return true;
    } catch (e) {
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      // 409 ConditionalRequestConflict: another conditional write to the key is in flight (AWS).
      if (status === 412 || status === 409) return false;
      throw storageError(`cannot create ${this.address(name)}`, e);
    }
  }

  /** A private temp file (0600) with the object: a restore reads its archive more than once. */
  async localCopy(name: string) {
    // Named .partial and tracked, so an interrupt removes it like an unfinished archive.
    const path = join(tmpdir(), `tenantops-${randomBytes(6).toString('hex')}-${name}.partial`);
    trackPartial(path);
    const release = async () => {
      rmSync(path, { force: true });
      untrackPartial(path);
    };
    try {
      await pipeline(this.get(name), createWriteStream(path, { mode: 0o600, flags: 'wx' }));
    } catch (e) {
      await release();
      throw storageError(`cannot download ${this.address(name)}`, e);
    }
    return { path, release };
  }
}
