import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

export interface AlertingRule {
  group: string;
  alert: string;
  expr: string;
  for?: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RecordingRule {
  group: string;
  record: string;
  expr: string;
}

export interface RuleGroups {
  alerts: AlertingRule[];
  records: RecordingRule[];
}

interface RawRule {
  alert?: string;
  record?: string;
  expr?: string;
  for?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

/** The alerting and recording rules of a Prometheus rule file, in file order. */
export function loadRuleGroups(file: string): RuleGroups {
  const doc = parse(readFileSync(file, 'utf8')) as { groups?: { name: string; rules?: RawRule[] }[] };
  const out: RuleGroups = { alerts: [], records: [] };
  for (const g of doc.groups ?? []) {
    for (const r of g.rules ?? []) {
      const expr = String(r.expr ?? '');
      if (r.alert) {
        out.alerts.push({
          group: g.name,
          alert: r.alert,
          expr,
          for: r.for,
          labels: r.labels ?? {},
          annotations: r.annotations ?? {},
        });
      } else if (r.record) out.records.push({ group: g.name, record: r.record, expr });
    }
  }
  return out;
}
