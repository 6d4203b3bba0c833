import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { guidePaths, loadAlertRules } from '../../scripts/gen-alert-table.ts';
import { headings } from './markdown.ts';
import { quoteIsComplete, quoteMismatch, scanThresholdQuotes } from './quoted-thresholds.ts';

const rules = loadAlertRules();
const byName = new Map(rules.map((r) => [r.alert, r]));
const names = rules.map((r) => r.alert);
const guide = readFileSync(guidePaths.guide, 'utf8');
const runbooks = readFileSync(guidePaths.runbooks, 'utf8');
// The guide quotes thresholds in its phase triggers and limits; the runbooks quote at least one per alert.
const docs = [
  { name: 'the guide', markdown: guide, minQuotes: 20 },
  { name: 'the runbooks', markdown: runbooks, minQuotes: rules.length },
];

function mismatches(markdown: string): string[] {
  return scanThresholdQuotes(markdown, names)
    .quotes.map((q) => quoteMismatch(q, byName.get(q.alert)!))
    .filter((m): m is string => m !== null);
}

for (const doc of docs) {
  describe(`thresholds quoted for an alert in ${doc.name}`, () => {
    const scan = scanThresholdQuotes(doc.markdown, names);

    test('it quotes thresholds in prose (the check has something to check)', () => {
      assert.ok(scan.quotes.length >= doc.minQuotes, `only ${scan.quotes.length} quotes found`);
    });

    test('every quoted threshold and duration equals the rule', () => {
      assert.deepEqual(mismatches(doc.markdown), []);
    });

    test('no line names an alert next to a threshold the check cannot read', () => {
      assert.deepEqual(
        scan.unchecked.map((u) => `line ${u.line}: ${u.text.trim()}`),
        [],
        'write thresholds as `AlertName` (> N … durante D) on one line',
      );
    });
  });
}

describe('thresholds in the runbooks and the phase triggers', () => {
  const scan = scanThresholdQuotes(runbooks, names);

  test("each alert's runbook quotes its whole condition: every comparison and the for duration", () => {
    const heads = headings(runbooks);
    const missing: string[] = [];
    for (const rule of rules) {
      const h = heads.find((x) => x.anchor === rule.alert.toLowerCase());
      const next = h && heads.find((x) => x.line > h.line && x.level <= h.level);
      const inSection = scan.quotes.filter(
        (q) => q.alert === rule.alert && h && q.line > h.line && (!next || q.line < next.line),
      );
      if (!inSection.some((q) => quoteIsComplete(q, rule))) missing.push(rule.alert);
    }
    assert.deepEqual(missing, []);
  });

  test('the guide quotes both tenant-count alerts with their whole condition', () => {
    const quotes = scanThresholdQuotes(guide, names).quotes;
    for (const a of ['TenantCountPhase2', 'TenantCountScaleUp']) {
      assert.ok(
        quotes.some((q) => q.alert === a && quoteIsComplete(q, byName.get(a)!)),
        a,
      );
    }
  });
});

describe('the threshold check itself', () => {
  test('catches a wrong number, a wrong operator, a wrong unit and a wrong duration', () => {
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 tenants activos durante 1h)').length, 0);
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 tenants activos durante 1 h)').length, 0);
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 tenants activos durante 60 min)').length, 0);
    assert.equal(mismatches('`TenantCountScaleUp` (> 200 tenants activos durante 1h)').length, 1);
    assert.equal(mismatches('`TenantCountScaleUp` (>= 100 tenants activos durante 1h)').length, 1);
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 tenants activos durante 30m)').length, 1);
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 active tenants for 30m)').length, 1);
    assert.equal(mismatches('[NodeMemoryLow](#nodememorylow) (< 10% durante 15m)').length, 0);
    assert.equal(mismatches('`NodeMemoryLow` (< 10 % durante 15m)').length, 0);
    assert.equal(mismatches('`NodeMemoryLow` (< 0.1% durante 15m)').length, 1);
    assert.equal(mismatches('`APIResponseDegradation` (> 2000 ms durante 5m)').length, 0);
    assert.equal(mismatches('`APIResponseDegradation` (> 500 ms durante 5m)').length, 1);
  });

  test('flags a threshold written next to an alert in a form it cannot read', () => {
    const unchecked = (md: string) => scanThresholdQuotes(md, names).unchecked.length;
    assert.equal(unchecked('Escalar cuando TenantCountScaleUp salte, > 100 tenants.\n'), 1);
    assert.equal(unchecked('TenantCountScaleUp salta con más de 100 tenants activos.\n'), 1);
    assert.equal(unchecked('NodeMemoryLow avisa por debajo del 10 % de memoria.\n'), 1);
    assert.equal(unchecked('`TenantCountScaleUp` (> 100 tenants activos durante una hora)\n'), 1);
    assert.equal(unchecked('`TenantCountScaleUp` (> 100 tenants activos durante 1h), más de 100 tenants.\n'), 0);
  });

  test('ignores code blocks and the generated table', () => {
    const md = [
      '```promql',
      'TenantCountScaleUp > 1',
      '```',
      '<!-- alert-table:start -->',
      '| TenantCountScaleUp (> 7 durante 1m) |',
      '<!-- alert-table:end -->',
    ].join('\n');
    const scan = scanThresholdQuotes(md, names);
    assert.deepEqual([scan.quotes.length, scan.unchecked.length], [0, 0]);
  });

  test('an incomplete quote does not count as the runbook stating the condition', () => {
    const [q] = scanThresholdQuotes('`NoisyNeighbour` (> 50% durante 15m)', names).quotes;
    assert.equal(quoteMismatch(q, byName.get('NoisyNeighbour')!), null);
    assert.equal(quoteIsComplete(q, byName.get('NoisyNeighbour')!), false);
  });
});
