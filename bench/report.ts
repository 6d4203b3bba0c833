import { median } from './timed.ts';

/** One line per step: our median and the reference's, rows/s, MB/s, peak RSS and the ratio. */
export function report(
  label: string,
  rows: number,
  bytes: number,
  ours: number[],
  ref: number[],
  oursRss: number[],
  refRss: number[],
  refName: string,
) {
  const o = median(ours);
  const r = median(ref);
  console.log(
    `${label.padEnd(22)} tenantops ${o.toFixed(2)} s (${Math.round(rows / o)} rows/s, ${(bytes / 1e6 / o).toFixed(1)} MB/s, peak RSS ${Math.round(median(oursRss) / 1024)} MB)  ` +
      `${refName} ${r.toFixed(2)} s (${Math.round(rows / r)} rows/s, peak RSS ${Math.round(median(refRss) / 1024)} MB)  ratio ref/ours ${(r / o).toFixed(2)}x`,
  );
}
