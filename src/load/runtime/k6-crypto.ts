import { createHash, createHmac, randomBytes as nodeRandomBytes, type Hash } from 'node:crypto';
import { md4 } from './md4.ts';
import { toBuffer } from './to-buffer.ts';

type Input = string | ArrayBuffer | ArrayBufferView;

/**
 * Encodes a digest as k6 does (Hasher.Digest): base64url keeps its padding, base64rawurl drops it,
 * binary is an ArrayBuffer, and any other encoding is an error.
 * https://grafana.com/docs/k6/latest/javascript-api/k6-crypto/hasher/
 */
function encode(digest: Buffer, output: unknown): string | ArrayBuffer {
  switch (output) {
    case 'hex':
      return digest.toString('hex');
    case 'base64':
      return digest.toString('base64');
    case 'base64url': {
      const text = digest.toString('base64url');
      return text + '='.repeat((4 - (text.length % 4)) % 4);
    }
    case 'base64rawurl':
      return digest.toString('base64url');
    case 'binary':
      return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
    default:
      throw new Error(`invalid output encoding: ${output === undefined ? '' : String(output)}`);
  }
}

/** k6's algorithm names, and Node's for the same hash. */
const ALGORITHMS: Record<string, string> = {
  md4: 'md4',
  md5: 'md5',
  sha1: 'sha1',
  sha256: 'sha256',
  sha384: 'sha384',
  sha512: 'sha512',
  sha512_224: 'sha512-224',
  sha512_256: 'sha512-256',
  ripemd160: 'ripemd160',
};

function nodeAlgorithm(name: string): string {
  const algorithm = ALGORITHMS[name];
  if (!algorithm) throw new Error(`invalid algorithm: ${name}`);
  return algorithm;
}

/** HMAC (RFC 2104) over MD4, which Node's createHmac cannot do without OpenSSL's legacy provider. */
function hmacMd4(key: Buffer, data: Buffer): Buffer {
  const block = Buffer.alloc(64);
  (key.length > 64 ? md4(key) : key).copy(block);
  const pad = (byte: number) => Buffer.from(block.map((b) => b ^ byte));
  return md4(Buffer.concat([pad(0x5c), md4(Buffer.concat([pad(0x36), data]))]));
}

/**
 * A k6 Hasher. Go's hash.Sum does not finalize the state, so in k6 `digest()` may be called again
 * (it returns the digest of everything written so far) and `update()` may follow it. Node's Hash is
 * finalized by digest(), so the digest is taken from a copy; an HMAC cannot be copied (nor can MD4,
 * done here), so those keep their input and are recomputed.
 */
class Hasher {
  private readonly hash: Hash | undefined;
  private readonly chunks: Buffer[] = [];

  constructor(
    private readonly algorithm: string,
    private readonly key?: Buffer,
  ) {
    if (!key && algorithm !== 'md4') this.hash = createHash(algorithm);
  }

  update(input: Input): void {
    const bytes = toBuffer(input);
    if (this.hash) this.hash.update(bytes);
    else this.chunks.push(bytes);
  }

  digest(output?: unknown): string | ArrayBuffer {
    if (this.hash) return encode(this.hash.copy().digest(), output);
    if (this.algorithm === 'md4') {
      const data = Buffer.concat(this.chunks);
      return encode(this.key ? hmacMd4(this.key, data) : md4(data), output);
    }
    const hmac = createHmac(this.algorithm, this.key as Buffer);
    for (const chunk of this.chunks) hmac.update(chunk);
    return encode(hmac.digest(), output);
  }
}

/** The `k6/crypto` module over node:crypto. https://grafana.com/docs/k6/latest/javascript-api/k6-crypto/ */
export function createK6Crypto() {
  const hash = (name: string) => (input: Input, output?: unknown) => {
    const h = new Hasher(nodeAlgorithm(name));
    h.update(input);
    return h.digest(output);
  };
  const createHMAC = (algorithm: string, secret: Input) => new Hasher(nodeAlgorithm(algorithm), toBuffer(secret));
  return {
    md4: hash('md4'),
    md5: hash('md5'),
    sha1: hash('sha1'),
    sha256: hash('sha256'),
    sha384: hash('sha384'),
    sha512: hash('sha512'),
    sha512_224: hash('sha512_224'),
    sha512_256: hash('sha512_256'),
    ripemd160: hash('ripemd160'),
    hmac(algorithm: string, secret: Input, data: Input, output?: unknown) {
      const h = createHMAC(algorithm, secret);
      h.update(data);
      return h.digest(output);
    },
    randomBytes(n: number): ArrayBuffer {
      if (!(n >= 1)) throw new Error('invalid size');
      return encode(nodeRandomBytes(n), 'binary') as ArrayBuffer;
    },
    hexEncode: (data: Input) => toBuffer(data).toString('hex'),
    createHash: (algorithm: string) => new Hasher(nodeAlgorithm(algorithm)),
    createHMAC,
  };
}
