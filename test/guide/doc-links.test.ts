import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { guidePaths } from '../../scripts/gen-alert-table.ts';
import { anchors, isExternal, links } from './markdown.ts';

const root = guidePaths.root;

function markdownFiles(dir: string): string[] {
  return readdirSync(dir)
    .flatMap((name) => {
      const p = join(dir, name);
      return statSync(p).isDirectory() ? markdownFiles(p) : name.endsWith('.md') ? [p] : [];
    })
    .sort();
}

const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (file: string): Set<string> => {
  let set = anchorCache.get(file);
  if (!set) anchorCache.set(file, (set = anchors(readFileSync(file, 'utf8'))));
  return set;
};

/** Why a relative link in `file` is broken, or null when its file (and anchor, for Markdown) exists. */
export function brokenLink(file: string, target: string): string | null {
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash < 0 ? target : target.slice(0, hash));
  const anchor = hash < 0 ? '' : decodeURIComponent(target.slice(hash + 1));
  const dest = pathPart === '' ? file : resolve(dirname(file), pathPart.split('?')[0]);
  if (!dest.startsWith(root)) return `${target}: leaves the repository`;
  if (!existsSync(dest)) return `${target}: ${relative(root, dest)} does not exist`;
  if (anchor && dest.endsWith('.md') && !anchorsOf(dest).has(anchor)) {
    return `${target}: ${relative(root, dest)} has no heading with the anchor #${anchor}`;
  }
  return null;
}

const files = [...markdownFiles(join(root, 'docs')), join(root, 'README.md')];

describe('relative links in docs/ and README.md', () => {
  test('the scan covers the guide and the other docs', () => {
    const rel = files.map((f) => relative(root, f));
    for (const f of [
      'README.md',
      'docs/arquitectura/scaling-horizontal-guide.md',
      'docs/arquitectura/runbooks.md',
      'docs/monitoring.md',
    ]) {
      assert.ok(rel.includes(f), f);
    }
  });

  for (const file of files) {
    test(`${relative(root, file)}: every relative link resolves to a file, and to a heading where it names one`, () => {
      const broken = links(readFileSync(file, 'utf8'))
        .filter((l) => !isExternal(l.target))
        .map((l) => {
          const why = brokenLink(file, l.target);
          return why && `line ${l.line}: ${why}`;
        })
        .filter((x): x is string => x !== null);
      assert.deepEqual(broken, []);
    });
  }

  test('the check fails on a missing file and on a missing anchor', () => {
    const guide = guidePaths.guide;
    assert.equal(brokenLink(guide, '../metrics.md'), null);
    assert.equal(brokenLink(guide, '#capacidad'), null);
    assert.equal(brokenLink(guide, 'runbooks.md#tenantcountscaleup'), null);
    assert.equal(brokenLink(guide, 'runbooks.md#fase-3-de-la-fase-2-a-nodos-balanceados'), null);
    assert.match(brokenLink(guide, 'runbooks.md#capacidad') ?? '', /no heading/);
    assert.equal(brokenLink(guide, '../performance.md#reference-api-benchapi'), null);
    assert.match(brokenLink(guide, '../nope.md') ?? '', /does not exist/);
    assert.match(brokenLink(guide, '#no-such-heading') ?? '', /no heading/);
    assert.match(brokenLink(guide, '../metrics.md#no-such-heading') ?? '', /no heading/);
  });

  test('links inside code are not links, and external ones are recognised', () => {
    const md = '`[x](nope.md)`\n\n```md\n[y](nope.md)\n```\n[z](ok.md "title") [w](<a b.md>)\n[ref]: other.md\n';
    assert.deepEqual(
      links(md).map((l) => l.target),
      ['ok.md', 'a b.md', 'other.md'],
    );
    assert.ok(isExternal('https://example.com') && isExternal('mailto:a@b.c') && !isExternal('../x.md'));
  });
});
