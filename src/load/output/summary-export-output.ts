import { writeFile } from 'node:fs/promises';
import { summaryExport } from '../summary/summary-export.ts';
import type { Output, RunEnd } from './output.ts';

/** `--summary-export FILE`: k6's legacy JSON summary, written once the run is over. */
export class SummaryExportOutput implements Output {
  constructor(private readonly path: string) {}

  async stop(end: RunEnd): Promise<void> {
    await writeFile(this.path, `${JSON.stringify(summaryExport(end.summary), null, 2)}\n`);
  }
}
