import { goBase64Error } from './go-base64-error.ts';
import { toBuffer } from './to-buffer.ts';

type B64 = 'std' | 'rawstd' | 'url' | 'rawurl';

/** The `k6/encoding` module: base64 in k6's four flavours. */
export function createK6Encoding() {
  function b64encode(input: string | ArrayBuffer, encoding: B64 = 'std'): string {
    const buf = toBuffer(input);
    const url = encoding === 'url' || encoding === 'rawurl';
    let out = buf.toString(url ? 'base64url' : 'base64');
    if (encoding === 'rawstd') out = out.replace(/=+$/, '');
    if (encoding === 'url') out += '='.repeat((4 - (out.length % 4)) % 4);
    return out;
  }

  function b64decode(input: string, encoding: B64 = 'std', format?: 's'): string | ArrayBuffer {
    const url = encoding === 'url' || encoding === 'rawurl';
    const text = String(input);
    // An unknown encoding name decodes as std, as in k6.
    const bad = goBase64Error(text, url, encoding !== 'rawstd' && encoding !== 'rawurl');
    if (bad !== undefined) throw new Error(`illegal base64 data at input byte ${bad}`);
    const buf = Buffer.from(text, url ? 'base64url' : 'base64');
    if (format === 's') return buf.toString('utf8');
    return buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength) as ArrayBuffer;
  }

  return { b64encode, b64decode };
}
