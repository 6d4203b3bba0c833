import { readFileSync } from 'node:fs';
import type { PrometheusProcess } from './prometheus-process.ts';

/**
 * The mysqld_exporter metric names the rule file reads (recording rules' level:name:ops names excluded), each with
 * whether Prometheus holds a series of it now: a rule on a name this exporter version does not expose never fires.
 */
export async function exporterNamesSeen(
  prometheus: PrometheusProcess,
  rulesFile: string,
): Promise<Record<string, boolean>> {
  const names = [...new Set(readFileSync(rulesFile, 'utf8').match(/(?<![\w:])mysql_[a-z_]+(?![\w:])/g) ?? [])].sort();
  const out: Record<string, boolean> = {};
  for (const n of names) out[n] = (await prometheus.query(`count(${n}{job="mysqld"})`)).length > 0;
  return out;
}
