import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { runCli } from './helpers/run-cli.ts';
import { startTestServer, type TestServer } from './helpers/test-server.ts';

const CHROMIUM = '/usr/bin/chromium';
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

interface Opened {
  tab: Page;
  /** Console errors and uncaught exceptions of the page. */
  errors: string[];
}

/** What a reader sees of one chart: its domain, and its x tick labels with their positions. */
interface ChartView {
  domain: string | null;
  ticks: { label: string; x: string | null }[];
}

describe(
  'the HTML report',
  { skip: !existsSync(CHROMIUM) && `${CHROMIUM} is missing (apt-get install -y chromium)` },
  () => {
    let server: TestServer;
    let dir: string;
    let browser: BrowserContext;
    before(async () => {
      server = await startTestServer();
      dir = mkdtempSync(join(tmpdir(), 'tenantops-html-'));
      // A fresh profile per run; Playwright takes it as launchPersistentContext's userDataDir.
      browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
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
    });
    after(async () => {
      await browser?.close();
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** Runs a fixture with --out html= and opens the report; the page must be self-contained. */
    async function report(name: string, script: string, env: Record<string, string> = {}) {
      const html = join(dir, `${name}.html`);
      const run = await runCli([fixture(script), '--out', `html=${html}`, '--quiet'], { BASE_URL: server.url, ...env });
      const page = readFileSync(html, 'utf8');
      assert.doesNotMatch(page, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org)/, 'self-contained');
      const tab = await browser.newPage();
      const errors: string[] = [];
      tab.on('pageerror', (e) => errors.push(e.message));
      tab.on('console', (m) => {
        if (m.type() === 'error') errors.push(m.text());
      });
      // Anything the page tries to fetch is a failure: the report must open offline.
      await tab.route('**/*', (route) =>
        route.request().url().startsWith('file:') ? route.continue() : route.abort('blockedbyclient'),
      );
      await tab.goto(pathToFileURL(html).href);
      await tab.waitForLoadState('load');
      return { run, opened: { tab, errors } as Opened };
    }

    const banner = (tab: Page) =>
      tab.evaluate(`(() => {
        const b = document.getElementById('verdict');
        return {
          first: document.body.firstElementChild === b,
          text: b.innerText,
          className: b.className,
          background: getComputedStyle(b).backgroundColor,
        };
      })()`) as Promise<{ first: boolean; text: string; className: string; background: string }>;

    const tableRows = (tab: Page, id: string) =>
      tab.$$eval(`table#${id} tbody tr`, (trs) =>
        trs.map((tr) => ({
          className: tr.className,
          cells: [...tr.querySelectorAll('td')].map((td) => (td as unknown as { innerText: string }).innerText.trim()),
        })),
      );

    const charts = (tab: Page) =>
      tab.$$eval('svg.chart', (svgs) =>
        svgs.map((svg) => ({
          domain: svg.getAttribute('data-domain'),
          ticks: [...svg.querySelectorAll('text.x-tick')].map((t) => ({
            label: t.textContent ?? '',
            x: t.getAttribute('x'),
          })),
        })),
      ) as Promise<ChartView[]>;

    it('shows PASSED first, each threshold observed against its limit, the per-tenant and breakpoint tables, one time axis', async () => {
      const { run, opened } = await report('passing', 'tenant-report.js');
      const { tab, errors } = opened;
      try {
        assert.equal(run.code, 0, run.stderr);
        const b = await banner(tab);
        assert.ok(b.first, 'the banner is the first thing on the page');
        assert.match(b.text, /^PASSED\b/);
        assert.match(b.text, /all 8 thresholds passed · exit code 0/);
        assert.equal(b.className, 'verdict passed');
        assert.equal(b.background, 'rgb(43, 138, 62)', 'green');

        // The global thresholds: observed value, then the limit in the same unit.
        const thresholds = await tableRows(tab, 'thresholds');
        const byMetric = new Map(thresholds.map((r) => [r.cells[0], r]));
        assert.match(byMetric.get('http_req_duration{scenario:ramp}')!.cells[1]!, /^✓ p\(95\)=\d+\.\d+ ms < 2000 ms$/);
        assert.match(byMetric.get('http_req_failed{scenario:ramp}')!.cells[1]!, /^✓ rate=0\.00% < 50%$/);
        assert.match(byMetric.get('http_req_failed{scenario:ramp}')!.cells[2]!, /^rate<0\.5 abortOnFail$/);
        assert.match(byMetric.get('per tenant: {tenant:…}')!.cells[1]!, /^✓ 6 of 6 passed, 2 tenants$/);

        // Per tenant: requests, p95 and errors, and each tenant's thresholds with observed values.
        const tenants = await tableRows(tab, 'tenants');
        assert.deepEqual(
          tenants.map((r) => [r.cells[0], r.cells[4], r.className]),
          [
            ['acme', 'pass', 'ok'],
            ['globex', 'pass', 'ok'],
          ],
        );
        for (const r of tenants) {
          const [, requests, p95, failed, , thresholdCell] = r.cells;
          assert.ok(Number(requests) > 0, `${r.cells[0]} made requests`);
          assert.match(p95!, /^\d+\.\d+ ms$/);
          assert.equal(failed, '0.00%');
          // The count threshold observes exactly the requests column; the p95 threshold the p95 column.
          assert.match(thresholdCell!, new RegExp(`✓ http_reqs: count=${requests} > 0`));
          assert.ok(thresholdCell!.includes(`✓ http_req_duration: p(95)=${p95} < 2000 ms`), thresholdCell);
          assert.ok(thresholdCell!.includes('✓ http_req_failed: rate=0.00% < 1%'), thresholdCell);
        }

        // The ramp, level by level.
        const levels = await tableRows(tab, 'breakpoint-ramp');
        assert.deepEqual(
          levels.map((r) => [r.cells[0], Number(r.cells[2]) > 0, r.cells[6]]),
          [
            ['2', true, 'held'],
            ['4', true, 'held'],
          ],
        );
        assert.match(
          await tab.innerText('.breakpoint-verdict'),
          /^Breakpoint not reached: held at every level up to 4 VUs/,
        );

        // Every chart on one time axis, labelled in seconds from the start of the run.
        const views = await charts(tab);
        assert.ok(views.length >= 5, `overall charts and one per tenant: ${views.length}`);
        const domains = new Set(views.map((v) => v.domain));
        assert.equal(domains.size, 1, `one domain for every chart: ${[...domains].join(' | ')}`);
        const [lo, hi] = views[0]!.domain!.split(' ').map(Number);
        assert.equal(lo, 0);
        assert.ok(hi! >= 4, `the run lasted more than 4 s: domain ends at ${hi}`);
        const labels = views[0]!.ticks.map((t) => t.label);
        assert.ok(labels.length >= 3, `ticks along the axis, not only at its end: ${labels}`);
        assert.equal(labels[0], '0 s');
        assert.equal(labels[labels.length - 1], `${hi} s`);
        for (const l of labels) assert.match(l, /^\d+ s$/);
        for (const v of views) assert.deepEqual(v.ticks, views[0]!.ticks, 'same ticks at the same places');
        const panels = await tab.$$eval('section.panel[data-tenant]', (els) =>
          els.map((e) => e.getAttribute('data-tenant')),
        );
        assert.deepEqual(panels, ['acme', 'globex']);
        assert.deepEqual(errors, []);
      } finally {
        await tab.close();
      }
    });

    it('shows FAILED in red with the failed thresholds, the failing tenant and the level that broke', async () => {
      const { run, opened } = await report('failing', 'tenant-report.js', { FAIL: '1' });
      const { tab, errors } = opened;
      try {
        assert.equal(run.code, 99, run.stderr);
        const b = await banner(tab);
        assert.ok(b.first);
        assert.match(b.text, /^FAILED\b/);
        assert.match(b.text, /exit code 99/);
        assert.match(b.text, /http_req_failed\{tenant:globex\} rate=100\.00% \(limit < 1%\)/);
        assert.equal(b.className, 'verdict failed');
        assert.equal(b.background, 'rgb(201, 42, 42)', 'red');

        const tenants = await tableRows(tab, 'tenants');
        assert.deepEqual(
          tenants.map((r) => [r.cells[0], r.cells[3], r.cells[4], r.className]),
          [
            ['acme', '0.00%', 'pass', 'ok'],
            ['globex', '100.00%', 'FAIL', 'fail'],
          ],
        );
        assert.ok(tenants[1]!.cells[5]!.includes('✗ http_req_failed: rate=100.00% < 1%'), tenants[1]!.cells[5]);

        const levels = await tableRows(tab, 'breakpoint-ramp');
        assert.deepEqual(
          levels.map((r) => [r.cells[0], r.cells[5], r.cells[6], r.className]),
          [
            ['2', '0.00%', 'held', 'ok'],
            ['4', '100.00%', 'BROKEN', 'fail'],
          ],
        );
        assert.match(levels[1]!.cells[7]!, /✗ http_req_failed: rate=100\.00% < 50%/);
        assert.match(
          await tab.innerText('.breakpoint-verdict'),
          /^Held up to 2 VUs \([\d.]+ req\/s\); broke at 4 VUs \(rate=100\.00%, limit < 50%\)\./,
        );
        assert.deepEqual(errors, []);
      } finally {
        await tab.close();
      }
    });

    it('draws one latency panel per tenant, where the slower tenant shows higher latency', async () => {
      const { run, opened } = await report('latency', 'tenants.js');
      const { tab, errors } = opened;
      try {
        assert.equal(run.code, 0, run.stderr);
        assert.match((await banner(tab)).text, /^PASSED\b.*no thresholds · exit code 0/);
        const tenants = await tab.$$eval('section.panel[data-tenant]', (els) =>
          els.map((e) => e.getAttribute('data-tenant')),
        );
        assert.deepEqual(tenants, ['acme', 'globex']);
        const latency = await tab.$$eval('section.panel svg path[data-series="p99"]', (els) =>
          els.map((e) => (e.getAttribute('d') ?? '').split(/[ML]/).filter(Boolean).length),
        );
        assert.equal(latency.length, 3, 'one p99 line overall and one per tenant');
        assert.ok(
          latency.every((n) => n >= 2),
          `each latency line needs points over time: ${latency}`,
        );
        // The slower tenant's series must show higher latency than the faster one's.
        // A string, not a function: tsx's name helpers would not exist in the page.
        const medians = (await tab.evaluate(`(() => {
          const data = JSON.parse(document.getElementById('timeline').textContent);
          const avg = (pts) => pts.reduce((s, p) => s + p.p50, 0) / pts.length;
          return { acme: avg(data.tenants.acme), globex: avg(data.tenants.globex) };
        })()`)) as { acme: number; globex: number };
        assert.ok(medians.globex > medians.acme + 10, JSON.stringify(medians));
        const box = await tab.$eval('section.panel svg', (svg) => svg.getBoundingClientRect().width);
        assert.ok(box > 100, 'charts have a rendered size');
        assert.deepEqual(errors, []);
      } finally {
        await tab.close();
      }
    });
  },
);
