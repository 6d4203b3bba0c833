import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { loadRuleGroups } from './load-rule-groups.ts';
import { monitoringPaths } from './monitoring-paths.ts';
import { mutateAlert, type Mutation } from './mutate-alert.ts';
import { ruleTestCases } from './rule-test-cases.ts';
import { toolOrSkip } from './tool-or-skip.ts';

const skip = toolOrSkip('promtool', 'prometheus');

function promtool(args: string[], cwd = monitoringPaths.root): { status: number | null; output: string } {
  const r = spawnSync('promtool', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('promtool', { skip }, () => {
  test('check rules passes with every lint check on and lint findings fatal', () => {
    const r = promtool(['check', 'rules', '--lint=all', '--lint-fatal', monitoringPaths.scalingRules]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS: \d+ rules found/);
  });

  test('check config accepts prometheus.yml and the rule files it lists', () => {
    const r = promtool(['check', 'config', '--lint=all', '--lint-fatal', monitoringPaths.prometheusConfig]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /scaling_alerts\.yml\s+SUCCESS/);
  });

  test('every rule unit test passes', () => {
    const r = promtool(['test', 'rules', ...monitoringPaths.ruleTests], monitoringPaths.ruleTestsDir);
    assert.equal(r.status, 0, r.output);
    assert.equal(r.output.match(/SUCCESS/g)?.length, monitoringPaths.ruleTests.length, r.output);
  });
});

// A test that cannot fail proves nothing: break each alert on purpose and expect its own case to catch it.
describe('promtool unit tests catch a broken alert', { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'tenantops-rules-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'rules'));
  mkdirSync(join(dir, 'tests'));
  for (const f of monitoringPaths.ruleTests) copyFileSync(f, join(dir, 'tests', basename(f)));
  const original = readFileSync(monitoringPaths.scalingRules, 'utf8');
  const cases = ruleTestCases(monitoringPaths.ruleTests);
  const expectedFailure: Record<Mutation, string> = {
    'inclusive-threshold': 'boundary',
    'shorter-for': 'for-duration',
  };

  for (const { alert } of loadRuleGroups(monitoringPaths.scalingRules).alerts) {
    const files = [...new Set(cases.filter((c) => c.alert === alert).map((c) => c.file))];
    for (const mutation of ['inclusive-threshold', 'shorter-for'] as const) {
      // Binary alerts (`up == 0`) have no threshold to widen; their boundary is in time, covered by shorter-for.
      const broken = mutateAlert(original, alert, mutation);
      if (broken === null) continue;
      test(`${alert} with ${mutation} fails its ${expectedFailure[mutation]} case`, () => {
        writeFileSync(join(dir, 'rules', 'scaling_alerts.yml'), broken);
        const r = promtool(['test', 'rules', ...files], join(dir, 'tests'));
        assert.notEqual(r.status, 0, `unit tests still pass with ${mutation}`);
        assert.ok(r.output.includes(`name: ${alert}: ${expectedFailure[mutation]}`), r.output);
      });
    }
  }
});
