import { createHash, createHmac, randomBytes as nodeRandomBytes } from 'node:crypto';
import { toBuffer } from './to-buffer.ts';

type Output = 'hex' | 'base64' | 'base64url' | 'base64rawurl' | 'binary';
type Input = string | ArrayBuffer;

function encode(digest: Buffer, output: Output = 'binary'): string | ArrayBuffer {
  switch (output) {
    case 'hex':
      return digest.toString('hex');
    case 'base64':
      return digest.toString('base64');
    case 'base64url':
    case 'base64rawurl':
      return digest.toString('base64url');
    default:
      return digest.buffer.slice(digest.byteOffset, digest.byteOffset + digest.byteLength) as ArrayBuffer;
  }
}

/** k6 names its algorithms without dashes ("sha256"); Node's names are the same. */
function algo(name: string): string {
  return name.toLowerCase().replace('-', '');
}

/** The `k6/crypto` module: hashes, HMAC and randomBytes over node:crypto. */
export function createK6Crypto() {
  const hash = (name: string) => (input: Input, output?: Output) =>
    encode(createHash(name).update(toBuffer(input)).digest(), output);
  return {
    md5: hash('md5'),
    sha1: hash('sha1'),
    sha256: hash('sha256'),
    sha384: hash('sha384'),
    sha512: hash('sha512'),
    hmac: (algorithm: string, secret: Input, data: Input, output?: Output) =>
      encode(createHmac(algo(algorithm), toBuffer(secret)).update(toBuffer(data)).digest(), output),
    randomBytes: (n: number) => encode(nodeRandomBytes(n), 'binary'),
    createHash(algorithm: string) {
      const h = createHash(algo(algorithm));
      return {
        update(input: Input) {
          h.update(toBuffer(input));
          return this;
        },
        digest: (output?: Output) => encode(h.digest(), output),
      };
    },
    createHMAC(algorithm: string, secret: Input) {
      const h = createHmac(algo(algorithm), toBuffer(secret));
      return {
        update(input: Input) {
          h.update(toBuffer(input));
          return this;
        },
        digest: (output?: Output) => encode(h.digest(), output),
      };
    },
  };
}
