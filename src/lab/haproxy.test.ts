import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { haproxyConfig } from './haproxy.ts';

const backends = [
  { name: 'app1', target: '127.0.0.1:18081' },
  { name: 'app2', target: '127.0.0.1:18082' },
];
const base = { backends, checkInterMs: 500, fall: 2, rise: 2, port: 18080, statsPort: 18089 };
const haproxy = spawnSync('haproxy', ['-v'], { stdio: 'ignore' }).status === 0;
// Skipped only where servers are optional; CI sets TENANTOPS_REQUIRE_SERVERS, and there a missing haproxy fails.
const skipCheck =
  haproxy || process.env.TENANTOPS_REQUIRE_SERVERS === '1'
    ? false
    : "haproxy not installed (Debian's haproxy); set TENANTOPS_REQUIRE_SERVERS=1 to make this a failure";

describe('haproxyConfig', () => {
  test('retries a failed connection or a lost response on another node, and nothing else', () => {
    const cfg = haproxyConfig({ ...base, retryElsewhere: true });
    assert.match(cfg, /^ {2}option redispatch 1$/m);
    assert.match(cfg, /^ {2}retry-on conn-failure empty-response$/m);
    assert.match(cfg, /^ {2}balance leastconn$/m);
    assert.match(cfg, /^ {2}option httpchk GET \/api\/health$/m);
    assert.match(cfg, /^ {2}server app2 127\.0\.0\.1:18082 check inter 500 fall 2 rise 2$/m);
  });

  test("without retryElsewhere it is HAProxy's default: no redispatch, no retry-on", () => {
    const cfg = haproxyConfig({ ...base, retryElsewhere: false });
    assert.doesNotMatch(cfg, /redispatch|retry-on/);
  });

  test('both variants pass haproxy -c', { skip: skipCheck }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'haproxy-cfg-'));
    try {
      for (const retryElsewhere of [true, false]) {
        const file = join(dir, 'haproxy.cfg');
        writeFileSync(file, haproxyConfig({ ...base, retryElsewhere }));
        const r = spawnSync('haproxy', ['-c', '-q', '-f', file], { encoding: 'utf8' });
        assert.equal(r.status, 0, r.stderr);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
