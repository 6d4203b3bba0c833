import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { captureOutput, stopChild } from './child-process.ts';
import { freePort } from './free-port.ts';
import { waitFor } from './wait-for.ts';

export interface ActiveAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: 'pending' | 'firing';
  activeAt: string;
  value: string;
}

export interface PrometheusProcess {
  url: string;
  alerts(): Promise<ActiveAlert[]>;
  /** Values of an instant query, one per series. */
  query(expr: string): Promise<{ metric: Record<string, string>; value: number }[]>;
  output(): string;
  stop(): Promise<void>;
}

async function api<T>(url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
  const body = (await res.json()) as { status: string; data: T; error?: string };
  if (body.status !== 'success') throw new Error(`${url}: ${body.error ?? res.status}`);
  return body.data;
}

/**
 * The Debian Prometheus on a free loopback port, scraping `target` every second and evaluating `rulesFile` every
 * second, with its TSDB in `dir`. No Alertmanager: the test reads alert states from the HTTP API.
 */
export async function startPrometheus(dir: string, target: string, rulesFile: string): Promise<PrometheusProcess> {
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  mkdirSync(join(dir, 'tsdb'), { recursive: true });
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(rulesFile)}]`,
      'scrape_configs:',
      '  - job_name: tenantops',
      `    static_configs: [{ targets: [${JSON.stringify(target)}] }]`,
      '',
    ].join('\n'),
  );
  const child = spawn(
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const output = captureOutput(child);
  const url = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => stopChild(child);
  try {
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${output()}`);
        const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(2_000) });
        return res.ok ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 250 },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    url,
    output,
    stop,
    alerts: async () => (await api<{ alerts: ActiveAlert[] }>(`${url}/api/v1/alerts`)).alerts,
    async query(expr) {
      const data = await api<{ result: { metric: Record<string, string>; value: [number, string] }[] }>(
        `${url}/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
  };
}
