import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { guidePaths, loadAlertRules } from '../../scripts/gen-alert-table.ts';
import { githubSlug, headings } from './markdown.ts';

const GUIDE_URL = 'docs/arquitectura/scaling-horizontal-guide.md';
const rules = loadAlertRules();
const guide = readFileSync(guidePaths.guide, 'utf8');
const heads = headings(guide);

/** The lines of the section under a heading, up to the next heading of the same or a higher level. */
function sectionOf(anchor: string): string {
  const lines = guide.split('\n');
  const i = heads.findIndex((h) => h.anchor === anchor);
  if (i < 0) return '';
  const end = heads.slice(i + 1).find((h) => h.level <= heads[i].level);
  return lines.slice(heads[i].line, end ? end.line - 1 : lines.length).join('\n');
}

describe('GitHub heading anchors', () => {
  test('lower-case the text, drop punctuation and turn each space into a hyphen', () => {
    assert.equal(githubSlug('TenantConcurrencyHigh'), 'tenantconcurrencyhigh');
    assert.equal(githubSlug('Phase 1: single server'), 'phase-1-single-server');
    assert.equal(githubSlug('Hardware assumption: IONOS L-16'), 'hardware-assumption-ionos-l-16');
    assert.equal(githubSlug('Reference API (bench:api)'), 'reference-api-benchapi');
    assert.equal(githubSlug('Phase 1 → 2: the `db` move'), 'phase-1--2-the-db-move');
    assert.equal(githubSlug('snake_case and café'), 'snake_case-and-café');
  });

  test('repeated headings get -1, -2 suffixes in document order', () => {
    const md = '# Limits\n\n```md\n# Limits\n```\n\n## Limits\n### Limits\n';
    assert.deepEqual(
      headings(md).map((h) => h.anchor),
      ['limits', 'limits-1', 'limits-2'],
    );
  });
});

describe('alert runbook links', () => {
  test('the rules file holds the scaling alerts', () => {
    assert.ok(rules.length >= 16, `only ${rules.length} alerts found`);
  });

  for (const rule of rules) {
    test(`${rule.alert}: runbook_url resolves to a heading that is exactly the alert name`, () => {
      const [path, anchor, ...extra] = rule.runbookUrl.split('#');
      assert.equal(path, GUIDE_URL, 'runbook_url must point into the scaling guide');
      assert.equal(extra.length, 0);
      assert.equal(anchor, rule.alert.toLowerCase(), 'the anchor is the lower-cased alert name');
      const target = heads.filter((h) => h.anchor === anchor);
      assert.equal(target.length, 1, `no heading in the guide has the anchor #${anchor}`);
      assert.equal(target[0].text, rule.alert, 'the heading text is exactly the alert name');
    });

    test(`${rule.alert}: its runbook says what it means, how to confirm it, what to do and when to move phases`, () => {
      const body = sectionOf(rule.alert.toLowerCase());
      for (const part of ['**Fires when**', '**Meaning.**', '**Confirm.**', '**Do now.**', '**Move phases when**']) {
        assert.ok(body.includes(part), `the ${rule.alert} runbook lacks ${part}`);
      }
      assert.match(body, /```promql\n/, `the ${rule.alert} runbook needs a PromQL query to confirm it`);
    });
  }

  test('every runbook heading belongs to an alert that exists', () => {
    const runbooks = heads.findIndex((h) => h.anchor === 'alert-runbooks');
    assert.ok(runbooks >= 0, 'the guide has an "Alert runbooks" section');
    const names = new Set(rules.map((r) => r.alert));
    const stale = heads
      .slice(runbooks + 1)
      .filter((h) => h.level === 3)
      .map((h) => h.text)
      .filter((t) => !names.has(t));
    assert.deepEqual(stale, [], 'runbook sections for alerts the rules no longer have');
  });
});

describe('the guide covers what issue 8 asks for', () => {
  const phases = ['phase-1-single-server', 'phase-2-separated-database', 'phase-3-load-balanced', 'beyond-phase-3'];

  for (const phase of phases) {
    test(`${phase} has a Mermaid diagram, a runbook with verify and rollback, and triggers`, () => {
      const body = sectionOf(phase);
      assert.ok(body, `no section #${phase}`);
      assert.match(body, /```mermaid\n/);
      assert.match(body, /\*Verify:\*/);
      assert.match(body, /\*Roll back:\*/);
      assert.match(body, /triggers/i);
    });
  }

  test('phases 1 to 3 each have a component table with sizes, software and key settings', () => {
    for (const phase of phases.slice(0, 3)) {
      const body = sectionOf(phase);
      assert.match(
        body,
        /\| node \| count \| vCPU \/ RAM \/ disk[^|]*\| software and versions \| key settings \|/,
        phase,
      );
    }
  });

  test('the phase triggers use the tenant-count alerts', () => {
    assert.match(sectionOf('phase-1-single-server'), /`TenantCountPhase2` \(/);
    assert.match(sectionOf('phase-2-separated-database'), /`TenantCountScaleUp` \(/);
    assert.match(sectionOf('phase-3-load-balanced'), /`TenantCountScaleUp` \(/);
  });

  test('the IONOS L-16 figures are given in one place only', () => {
    const blocks = guide.match(/^L16_CORES=\d+/gm) ?? [];
    assert.equal(blocks.length, 1, 'L16_CORES must be assigned exactly once');
    // Outside its section, the hardware is named by its parameters: the contradictory figures appear nowhere else.
    const elsewhere = guide.replace(sectionOf('hardware-assumption-ionos-l-16'), '');
    assert.ok(elsewhere.length < guide.length, 'the guide has a "Hardware assumption: IONOS L-16" section');
    const figures = elsewhere
      .split('\n')
      .filter((l) => /L-?16/.test(l) && /\b\d+ ?(?:cores|vCPUs?|GB)\b/.test(l.replace(/`L16_\w+`/g, '')));
    assert.deepEqual(figures, [], 'L-16 hardware figures outside the assumption block');
  });

  test('the load balancer uses least connections and health-checks /api/health', () => {
    assert.match(guide, /^\s+balance leastconn$/m);
    assert.match(guide, /^\s+option httpchk GET \/api\/health$/m);
    assert.doesNotMatch(guide, /^\s+balance roundrobin$/m);
  });
});
