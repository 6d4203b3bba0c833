import { textSummary } from '../summary/text-summary.ts';

/** Stands in for jslib's k6-summary module (imported by URL in many handleSummary scripts). */
export function createK6Summary() {
  return { textSummary };
}
