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

function mismatches(markdown: string): string[] {
  return scanThresholdQuotes(markdown, names)
    .quotes.map((q) => quoteMismatch(q, byName.get(q.alert)!))
    .filter((m): m is string => m !== null);
}

describe('thresholds the guide quotes for an alert', () => {
  const scan = scanThresholdQuotes(guide, names);

  test('the guide quotes thresholds in prose (the check has something to check)', () => {
    assert.ok(scan.quotes.length >= 30, `only ${scan.quotes.length} quotes found`);
  });

  test('every quoted threshold and duration equals the rule', () => {
    assert.deepEqual(mismatches(guide), []);
  });

  test('no line names an alert next to a threshold the check cannot read', () => {
    assert.deepEqual(
      scan.unchecked.map((u) => `line ${u.line}: ${u.text.trim()}`),
      [],
      'write thresholds as `AlertName` (> N … for D) on one line',
    );
  });

  test("each alert's runbook quotes its whole condition: every comparison and the for duration", () => {
    const heads = headings(guide);
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

  test('the phase triggers quote both tenant-count alerts', () => {
    const alerts = new Set(scan.quotes.map((q) => q.alert));
    for (const a of ['TenantCountPhase2', 'TenantCountScaleUp']) assert.ok(alerts.has(a), a);
  });
});

describe('the threshold check itself', () => {
  test('catches a wrong number, a wrong operator, a wrong unit and a wrong duration', () => {
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 active tenants for 1h)').length, 0);
    assert.equal(mismatches('`TenantCountScaleUp` (> 200 active tenants for 1h)').length, 1);
    assert.equal(mismatches('`TenantCountScaleUp` (>= 100 active tenants for 1h)').length, 1);
    assert.equal(mismatches('`TenantCountScaleUp` (> 100 active tenants for 30m)').length, 1);
    assert.equal(mismatches('[NodeMemoryLow](#nodememorylow) (< 10% for 15m)').length, 0);
    assert.equal(mismatches('`NodeMemoryLow` (< 0.1% for 15m)').length, 1);
    assert.equal(mismatches('`APIResponseDegradation` (> 2000 ms for 5m)').length, 0);
    assert.equal(mismatches('`APIResponseDegradation` (> 500 ms for 5m)').length, 1);
  });

  test('flags a threshold written next to an alert in a form it cannot read', () => {
    const scan = scanThresholdQuotes('Scale when TenantCountScaleUp fires, > 100 tenants.\n', names);
    assert.equal(scan.unchecked.length, 1);
  });

  test('ignores code blocks and the generated table', () => {
    const md = [
      '```promql',
      'TenantCountScaleUp > 1',
      '```',
      '<!-- alert-table:start -->',
      '| TenantCountScaleUp (> 7 for 1m) |',
      '<!-- alert-table:end -->',
    ].join('\n');
    const scan = scanThresholdQuotes(md, names);
    assert.deepEqual([scan.quotes.length, scan.unchecked.length], [0, 0]);
  });

  test('an incomplete quote does not count as the runbook stating the condition', () => {
    const [q] = scanThresholdQuotes('`NoisyNeighbour` (> 50% for 15m)', names).quotes;
    assert.equal(quoteMismatch(q, byName.get('NoisyNeighbour')!), null);
    assert.equal(quoteIsComplete(q, byName.get('NoisyNeighbour')!), false);
  });
});
