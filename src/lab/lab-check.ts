import type { Phase3Topology } from './phase3-topology.ts';
import type { LoadSettings } from './load-run.ts';

export type Figure = string | number | boolean | null | Figure[] | { [k: string]: Figure };

/** One check of the lab, as summary.json records it. */
export interface CheckResult {
  name: string;
  ok: boolean;
  figures: Record<string, Figure>;
  /** What did not hold, or what the check could not measure; empty when ok. */
  notes: string[];
}

export interface LabContext {
  topo: Phase3Topology;
  load: LoadSettings;
  /** Where each check's load report goes (under the lab's output directory). */
  reportDir(check: string): string;
  short: boolean;
  log(line: string): void;
  /** Results of the checks run so far (check 5 compares with check 1). */
  results: CheckResult[];
}

export interface LabCheck {
  name: string;
  run(ctx: LabContext): Promise<CheckResult>;
}
