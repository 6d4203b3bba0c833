import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { guidePaths, loadAlertRules } from '../../scripts/gen-alert-table.ts';
import { githubSlug, headings, links, type Heading } from './markdown.ts';

// Every runbook_url names this file: the runbooks moved out of the guide, the anchors (the lower-cased alert names)
// did not change.
const RUNBOOKS_URL = 'docs/arquitectura/runbooks.md';
const rules = loadAlertRules();
const guide = readFileSync(guidePaths.guide, 'utf8');
const runbooks = readFileSync(guidePaths.runbooks, 'utf8');
const guideHeads = headings(guide);
const runbookHeads = headings(runbooks);

/** The lines of the section under a heading, up to the next heading of the same or a higher level. */
function sectionOf(markdown: string, heads: Heading[], anchor: string): string {
  const lines = markdown.split('\n');
  const i = heads.findIndex((h) => h.anchor === anchor);
  if (i < 0) return '';
  const end = heads.slice(i + 1).find((h) => h.level <= heads[i].level);
  return lines.slice(heads[i].line, end ? end.line - 1 : lines.length).join('\n');
}
const guideSection = (anchor: string) => sectionOf(guide, guideHeads, anchor);
const runbookSection = (anchor: string) => sectionOf(runbooks, runbookHeads, anchor);

describe('GitHub heading anchors', () => {
  test('lower-case the text, drop punctuation and turn each space into a hyphen', () => {
    assert.equal(githubSlug('TenantConcurrencyHigh'), 'tenantconcurrencyhigh');
    assert.equal(githubSlug('Fase 1: un solo servidor'), 'fase-1-un-solo-servidor');
    assert.equal(githubSlug('Supuesto de hardware: IONOS L-16'), 'supuesto-de-hardware-ionos-l-16');
    assert.equal(githubSlug('Reference API (bench:api)'), 'reference-api-benchapi');
    assert.equal(githubSlug('Phase 1 → 2: the `db` move'), 'phase-1--2-the-db-move');
    assert.equal(githubSlug('Cuándo crecer: ¿un nodo más?'), 'cuándo-crecer-un-nodo-más');
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
    test(`${rule.alert}: runbook_url resolves to a heading in the runbooks that is exactly the alert name`, () => {
      const [path, anchor, ...extra] = rule.runbookUrl.split('#');
      assert.equal(path, RUNBOOKS_URL, 'runbook_url must point into the runbooks file');
      assert.equal(extra.length, 0);
      assert.equal(anchor, rule.alert.toLowerCase(), 'the anchor is the lower-cased alert name');
      const target = runbookHeads.filter((h) => h.anchor === anchor);
      assert.equal(target.length, 1, `no heading in ${RUNBOOKS_URL} has the anchor #${anchor}`);
      assert.equal(target[0].text, rule.alert, 'the heading text is exactly the alert name');
    });

    test(`${rule.alert}: its runbook says what it means, how to confirm it, what to do and when to move phases`, () => {
      const body = runbookSection(rule.alert.toLowerCase());
      for (const part of [
        '**Se dispara cuando**',
        '**Significado.**',
        '**Confirmar.**',
        '**Actuar.**',
        '**Cambiar de fase cuando**',
      ]) {
        assert.ok(body.includes(part), `the ${rule.alert} runbook lacks ${part}`);
      }
      assert.match(body, /```promql\n/, `the ${rule.alert} runbook needs a PromQL query to confirm it`);
    });
  }

  test('the guide no longer holds a section for any alert: the runbooks have the only one', () => {
    const names = new Set(rules.map((r) => r.alert));
    assert.deepEqual(
      guideHeads.filter((h) => names.has(h.text)).map((h) => h.text),
      [],
    );
  });

  test('every runbook heading belongs to an alert that exists', () => {
    const alertsAt = runbookHeads.findIndex((h) => h.anchor === 'runbooks-de-alertas');
    assert.ok(alertsAt >= 0, 'the runbooks have a "Runbooks de alertas" section');
    const names = new Set(rules.map((r) => r.alert));
    const stale = runbookHeads
      .slice(alertsAt + 1)
      .filter((h) => h.level === 3)
      .map((h) => h.text)
      .filter((t) => !names.has(t));
    assert.deepEqual(stale, [], 'runbook sections for alerts the rules no longer have');
  });
});

describe('the guide covers what issue 8 asks for', () => {
  const phases = [
    'fase-1-un-solo-servidor',
    'fase-2-base-de-datos-separada',
    'fase-3-balanceo-de-carga',
    'tras-la-fase-3-particionado-por-tenant',
  ];

  for (const phase of phases) {
    test(`${phase} has a Mermaid diagram, says when to move on, and links to a runbook with verify and rollback`, () => {
      const body = guideSection(phase);
      assert.ok(body, `no section #${phase} in the guide`);
      assert.match(body, /```mermaid\n/);
      assert.match(body, /^### Cuándo /m, 'a "Cuándo …" subsection: when to enter, grow or leave the phase');
      const targets = links(body)
        .map((l) => l.target)
        .filter((t) => t.startsWith('runbooks.md#'))
        .map((t) => decodeURIComponent(t.slice('runbooks.md#'.length)));
      const procedures = targets.filter((a) => {
        const steps = runbookSection(a);
        return /\*Comprobar:\*/.test(steps) && /\*Deshacer:\*/.test(steps);
      });
      assert.ok(procedures.length >= 1, `no link to a runbook with *Comprobar:* and *Deshacer:* (links: ${targets})`);
    });
  }

  test('every step of the phase runbooks says how to verify it and how to roll it back', () => {
    const phaseRunbooks = runbookHeads.filter(
      (h) => h.level === 3 && h.line < (runbookHeads.find((x) => x.anchor === 'runbooks-de-alertas')?.line ?? 0),
    );
    assert.ok(phaseRunbooks.length >= 4, phaseRunbooks.map((h) => h.text).join(', '));
    const missing: string[] = [];
    for (const h of phaseRunbooks) {
      const steps = runbookSection(h.anchor)
        .split(/^\*\*Paso \d+\./m)
        .slice(1);
      steps.forEach((step, i) => {
        for (const part of ['*Comprobar:*', '*Deshacer:*']) {
          if (!step.includes(part)) missing.push(`${h.text}, paso ${i + 1}: ${part}`);
        }
      });
    }
    assert.deepEqual(missing, []);
  });

  test('phases 1 to 3 each have a component table with sizes, software and key settings', () => {
    for (const phase of phases.slice(0, 3)) {
      assert.match(
        guideSection(phase),
        /\| nodo \| cantidad \| vCPU \/ RAM \/ disco[^|]*\| software y versiones \| ajustes clave \|/,
        phase,
      );
    }
  });

  test('the phase triggers use the tenant-count alerts', () => {
    assert.match(guideSection('fase-1-un-solo-servidor'), /`TenantCountPhase2` \(/);
    assert.match(guideSection('fase-2-base-de-datos-separada'), /`TenantCountScaleUp` \(/);
    assert.match(guideSection('fase-3-balanceo-de-carga'), /`TenantCountScaleUp` \(/);
  });

  test('phases 2 and 3 each have a section for their measurements', () => {
    for (const phase of ['fase-2-base-de-datos-separada', 'fase-3-balanceo-de-carga']) {
      assert.match(guideSection(phase), /^### Medidas de la fase [23]$/m, phase);
    }
  });

  test('the IONOS L-16 figures are given in one place only', () => {
    const both = `${guide}\n${runbooks}`;
    const blocks = both.match(/^L16_CORES=\d+/gm) ?? [];
    assert.equal(blocks.length, 1, 'L16_CORES must be assigned exactly once');
    // Outside its section, the hardware is named by its parameters: the contradictory figures appear nowhere else.
    const elsewhere = `${guide.replace(guideSection('supuesto-de-hardware-ionos-l-16'), '')}\n${runbooks}`;
    assert.ok(elsewhere.length < both.length, 'the guide has a "Supuesto de hardware: IONOS L-16" section');
    const figures = elsewhere
      .split('\n')
      .filter(
        (l) => /L-?16/.test(l) && /\b\d+ ?(?:cores|núcleos|vCPUs?|GB)(?![\p{L}\d])/u.test(l.replace(/`L16_\w+`/g, '')),
      );
    assert.deepEqual(figures, [], 'L-16 hardware figures outside the assumption block');
  });

  test('the load balancer uses least connections and health-checks /api/health', () => {
    assert.match(runbooks, /^\s+balance leastconn$/m);
    assert.match(runbooks, /^\s+option httpchk GET \/api\/health$/m);
    for (const doc of [guide, runbooks]) assert.doesNotMatch(doc, /^\s+balance roundrobin$/m);
  });
});
