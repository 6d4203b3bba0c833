import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { guidePaths } from '../../scripts/gen-alert-table.ts';
import { fencedBlocks } from './markdown.ts';

// mermaid's parser needs a DOM (DOMPurify, d3), so it runs in headless Chromium. The IIFE bundle is one
// self-contained file that defines `window.mermaid`; nothing is fetched from the network.
const CHROMIUM = '/usr/bin/chromium';
const BUNDLE =
  process.env.TENANTOPS_MERMAID_BUNDLE ?? join(guidePaths.root, 'node_modules/mermaid/dist/mermaid.min.js');

function skipReason(): string | false {
  const why = !existsSync(CHROMIUM)
    ? `${CHROMIUM} is missing (apt-get install -y chromium)`
    : !existsSync(BUNDLE)
      ? `${BUNDLE} is missing (npm install --save-dev mermaid)`
      : '';
  if (!why) return false;
  if (process.env.TENANTOPS_REQUIRE_SERVERS === '1') throw new Error(`TENANTOPS_REQUIRE_SERVERS=1 but ${why}`);
  return `${why}; set TENANTOPS_REQUIRE_SERVERS=1 to make this a failure`;
}

/** The docs whose Mermaid diagrams must parse: the guide has one per phase; the runbooks may add their own. */
const docs = [guidePaths.guide, guidePaths.runbooks];

describe('Mermaid diagrams', { skip: skipReason() }, () => {
  let dir: string;
  let browser: BrowserContext;
  let page: Page;

  /** null when mermaid parses the diagram, else its error message. */
  const parseError = (code: string): Promise<string | null> =>
    page.evaluate(async (text) => {
      const m = (globalThis as unknown as { mermaid: { parse(t: string): Promise<unknown> } }).mermaid;
      try {
        await m.parse(text);
        return null;
      } catch (err) {
        return String((err as Error)?.message ?? err);
      }
    }, code);

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tenantops-mermaid-'));
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
    });
    page = await browser.newPage();
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addScriptTag({ path: BUNDLE });
    await page.evaluate(() =>
      (globalThis as unknown as { mermaid: { initialize(c: object): void } }).mermaid.initialize({
        startOnLoad: false,
      }),
    );
  });

  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the parser is live: it accepts a valid diagram and rejects a broken one', async () => {
    assert.equal(await parseError('flowchart LR\n  a["A"] --> b[("B")]'), null);
    assert.notEqual(await parseError('flowchart LR\n  a["A" --> b'), null);
  });

  for (const file of docs) {
    const blocks = fencedBlocks(readFileSync(file, 'utf8'), 'mermaid');

    if (file === guidePaths.guide) {
      test(`${file.slice(guidePaths.root.length)} has a diagram for each phase`, () => {
        assert.ok(blocks.length >= 4, `${blocks.length} mermaid blocks`);
      });
    }

    test(`every Mermaid block in ${file.slice(guidePaths.root.length)} parses`, async () => {
      const errors: string[] = [];
      for (const b of blocks) {
        const e = await parseError(b.body);
        if (e) errors.push(`block at line ${b.line}: ${e.split('\n').slice(0, 4).join(' / ')}`);
      }
      assert.deepEqual(errors, []);
    });
  }
});
