import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { monitoringPaths } from './monitoring-paths.ts';
import { toolOrSkip } from './tool-or-skip.ts';

const skip = toolOrSkip('amtool', 'prometheus-alertmanager');

function amtool(args: string[]): { status: number | null; output: string } {
  const r = spawnSync('amtool', args, { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

describe('alertmanager.yml', { skip }, () => {
  test('passes amtool check-config', () => {
    const r = amtool(['check-config', monitoringPaths.alertmanagerConfig]);
    assert.equal(r.status, 0, r.output);
    assert.match(r.output, /SUCCESS/);
  });

  // --verify.receivers makes amtool exit non-zero when the route lands elsewhere.
  for (const [labels, receiver] of [
    [['severity=critical', 'alertname=QueueDepthCritical'], 'pager'],
    [['severity=warning', 'alertname=TenantConcurrencyHigh', 'tenant=7'], 'tickets'],
  ] as const) {
    test(`routes ${labels[0]} to ${receiver}`, () => {
      const args = ['config', 'routes', 'test', `--config.file=${monitoringPaths.alertmanagerConfig}`];
      const r = amtool([...args, `--verify.receivers=${receiver}`, ...labels]);
      assert.equal(r.status, 0, r.output);
    });
  }
});
