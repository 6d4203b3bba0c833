import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.ts';
import { spawnLabProcess } from './lab-process.ts';
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

/** Scrape targets by job name; the rules' job labels (tenantops, mysqld, …) are part of their contract. */
export type ScrapeJobs = Record<string, string[]>;

/**
 * The Debian Prometheus on a free loopback port, scraping its targets every second and evaluating `rulesFile` every
 * second, with its TSDB in `dir`. No Alertmanager: callers read alert states from the HTTP API. `targets` is one
 * host:port of job tenantops, or targets by job.
 */
export async function startPrometheus(
  dir: string,
  targets: string | ScrapeJobs,
  rulesFile: string,
  { env = process.env }: { env?: NodeJS.ProcessEnv } = {},
): Promise<PrometheusProcess> {
  const jobs: ScrapeJobs = typeof targets === 'string' ? { tenantops: [targets] } : targets;
  const port = await freePort();
  const config = join(dir, 'prometheus.yml');
  mkdirSync(join(dir, 'tsdb'), { recursive: true });
  writeFileSync(
    config,
    [
      'global: { scrape_interval: 1s, scrape_timeout: 1s, evaluation_interval: 1s }',
      `rule_files: [${JSON.stringify(rulesFile)}]`,
      'scrape_configs:',
      ...Object.entries(jobs).flatMap(([job, t]) => [
        `  - job_name: ${JSON.stringify(job)}`,
        `    static_configs: [{ targets: ${JSON.stringify(t)} }]`,
      ]),
      '',
    ].join('\n'),
  );
  const child = spawnLabProcess(
    'prometheus',
    'prometheus',
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${join(dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { env },
  );
  const output = child.output;
  const url = `http://127.0.0.1:${port}`;
  const stop = (): Promise<void> => child.stop();
  try {
    await waitFor(
      'Prometheus to be ready',
      async () => {
        if (!child.running()) throw new Error(`exited ${String(child.child.exitCode)}: ${output()}`);
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
