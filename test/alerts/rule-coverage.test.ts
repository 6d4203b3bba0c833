import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadRuleGroups } from './load-rule-groups.ts';
import { monitoringPaths } from './monitoring-paths.ts';
import { CASE_KINDS, ruleTestCases } from './rule-test-cases.ts';

const { alerts, records } = loadRuleGroups(monitoringPaths.scalingRules);
const cases = ruleTestCases(monitoringPaths.ruleTests);
const RUNBOOK = 'docs/arquitectura/runbooks.md#';

describe('alert rule conventions', () => {
  test('alert names are unique', () => {
    assert.equal(new Set(alerts.map((a) => a.alert)).size, alerts.length);
  });

  for (const a of alerts) {
    test(`${a.alert} has a severity, a for, a summary, a description with value and subject, and its runbook anchor`, () => {
      assert.match(a.labels.severity ?? '', /^(critical|warning)$/);
      assert.match(a.for ?? '', /^\d+[mh]$/);
      assert.ok(a.annotations.summary, 'summary');
      assert.match(a.annotations.description ?? '', /\$value/);
      assert.match(a.annotations.description ?? '', /\$labels\.(tenant|instance|job)/);
      assert.equal(a.annotations.runbook_url, RUNBOOK + a.alert.toLowerCase());
    });
  }

  test('recording rules are named level:metric:operations', () => {
    for (const r of records) assert.match(r.record, /^[a-z]+(_[a-z]+)*:[a-zA-Z0-9_]+:[a-z0-9_]+$/, r.record);
  });
});

describe('promtool unit-test coverage', () => {
  test('every test group is named "<Alert>: <kind>" after an existing alert', () => {
    const names = new Set(alerts.map((a) => a.alert));
    for (const c of cases) {
      assert.ok(c.kind, `${c.file}: "${c.name}" does not follow "<Alert>: <kind>"`);
      assert.ok(names.has(c.alert), `${c.file}: "${c.name}" names no alert`);
      for (const a of c.assertions) assert.equal(a.alertname, c.alert, `${c.name} asserts on ${a.alertname}`);
    }
  });

  for (const a of alerts) {
    test(`${a.alert} has firing, not firing, boundary and for-duration cases`, () => {
      const mine = cases.filter((c) => c.alert === a.alert);
      assert.ok(mine.length >= 4, `${mine.length} cases`);
      assert.deepEqual([...new Set(mine.map((c) => c.kind))].sort(), [...CASE_KINDS].sort());
    });
  }

  test('firing cases assert the severity and all three annotations of every expected alert', () => {
    for (const c of cases.filter((x) => x.kind === 'firing' || x.kind === 'for-duration')) {
      const expected = c.assertions.flatMap((a) => a.exp_alerts ?? []);
      assert.ok(expected.length > 0, `${c.name} expects no alert`);
      for (const e of expected) {
        assert.ok(e.exp_labels?.severity, `${c.name}: severity label`);
        for (const k of ['summary', 'description', 'runbook_url']) assert.ok(e.exp_annotations?.[k], `${c.name}: ${k}`);
      }
    }
  });

  test('not-firing and boundary cases expect no alert at all', () => {
    for (const c of cases.filter((x) => x.kind === 'not firing' || x.kind === 'boundary')) {
      assert.ok(c.assertions.length > 0, `${c.name} asserts nothing`);
      for (const a of c.assertions) assert.deepEqual(a.exp_alerts ?? [], [], c.name);
    }
  });

  test('for-duration cases see no alert first and the alert later', () => {
    const minutes = (d: string): number => Number.parseInt(d, 10) * (d.endsWith('h') ? 60 : 1);
    for (const c of cases.filter((x) => x.kind === 'for-duration')) {
      const quiet = c.assertions.filter((a) => (a.exp_alerts ?? []).length === 0).map((a) => minutes(a.eval_time));
      const loud = c.assertions.filter((a) => (a.exp_alerts ?? []).length > 0).map((a) => minutes(a.eval_time));
      assert.ok(quiet.length && loud.length && Math.max(...quiet) < Math.min(...loud), c.name);
    }
  });
});
