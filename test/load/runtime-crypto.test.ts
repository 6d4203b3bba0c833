import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { runCli } from './helpers/run-cli.ts';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

// https://grafana.com/docs/k6/latest/javascript-api/k6-crypto/hasher/ (k6's Hasher.Digest is Go's hash.Sum, which
// may be called again) and https://grafana.com/docs/k6/latest/javascript-api/crypto/subtlecrypto/importkey/
describe('k6/crypto and WebCrypto as k6 has them', () => {
  it('digests a hasher twice, keeps base64url padding, and imports a JWK with its own curve', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tenantops-crypto-'));
    try {
      const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-384' });
      const jwk = JSON.stringify(privateKey.export({ format: 'jwk' }));
      const exportFile = join(dir, 'crypto.json');
      const run = await runCli([fixture('runtime-crypto.js'), '--summary-export', exportFile, '--quiet'], { JWK: jwk });
      assert.equal(run.code, 0, run.stderr);
      const checks = JSON.parse(readFileSync(exportFile, 'utf8')).root_group.checks as Record<
        string,
        { passes: number; fails: number }
      >;
      assert.deepEqual(
        Object.entries(checks).map(([name, c]) => [name, c.passes, c.fails]),
        [
          ['digest() twice returns the same digest', 1, 0],
          ['update() after digest() goes on hashing', 1, 0],
          ['an HMAC digests twice too', 1, 0],
          ['base64url keeps its padding, base64rawurl drops it', 1, 0],
          ['an unknown encoding is an error', 1, 0],
          ['md4 and HMAC-MD4 as k6 offers them', 1, 0],
          ['a P-384 JWK imported as P-256 signs with its own curve', 1, 0],
        ],
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
