import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const CHROMIUM = '/usr/bin/chromium';

describe(
  'the HTML report',
  { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is missing (apt-get install -y chromium)` },
  () => {
    let server: TestServer;
    let dir: string;
    before(async () => {
      server = await startTestServer();
      dir = mkdtempSync(join(tmpdir(), 'tenantops-html-'));
    });
    after(async () => {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it('renders latency charts over time with one panel per tenant in headless Chromium', async () => {
      const html = join(dir, 'report.html');
      const script = fileURLToPath(new URL('./fixtures/tenants.js', import.meta.url));
      const run = await runCli([script, '--out', `html=${html}`, '--quiet'], { BASE_URL: server.url });
      assert.equal(run.code, 0, run.stderr);
      const page = readFileSync(html, 'utf8');
      assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=/, 'the report must be self-contained');

      // A fresh profile per run; Playwright takes it as launchPersistentContext's userDataDir.
      const browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
          '--no-first-run',
        ],
      });
      try {
        const tab = await browser.newPage();
        const errors: string[] = [];
        tab.on('pageerror', (e) => errors.push(e.message));
        await tab.goto(pathToFileURL(html).href);
        await tab.waitForSelector('body[data-rendered="true"]', { timeout: 10_000 });
        assert.deepEqual(errors, []);
        const tenants = await tab.$$eval('section.panel[data-tenant]', (els) =>
          els.map((e) => e.getAttribute('data-tenant')),
        );
        assert.deepEqual(tenants, ['acme', 'globex']);
        const series = await tab.$$eval('section.panel svg polyline', (els) =>
          els.map((e) => ({
            series: e.getAttribute('data-series'),
            points: (e.getAttribute('points') ?? '').trim().split(/\s+/).length,
          })),
        );
        const latency = series.filter((s) => s.series === 'p99');
        assert.equal(latency.length, 3, 'one p99 line overall and one per tenant');
        assert.ok(
          latency.every((s) => s.points >= 2),
          `each latency line needs points over time: ${JSON.stringify(latency)}`,
        );
        // The slower tenant's panel must show higher latency than the faster one's.
        // A string, not a function: tsx's name helpers would not exist in the page.
        const medians = (await tab.evaluate(`(() => {
        const data = JSON.parse(document.getElementById('timeline').textContent);
        const avg = (pts) => pts.reduce((s, p) => s + p.p50, 0) / pts.length;
        return { acme: avg(data.tenants.acme), globex: avg(data.tenants.globex) };
      })()`)) as { acme: number; globex: number };
        assert.ok(medians.globex > medians.acme + 10, JSON.stringify(medians));
        const box = await tab.$eval('section.panel svg', (svg) => svg.getBoundingClientRect().width);
        assert.ok(box > 100, 'charts have a rendered size');
      } finally {
        await browser.close();
      }
    });
  },
);
