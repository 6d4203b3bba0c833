import type { SummaryCheck, SummaryGroup } from '../summary/summary-data.ts';
import { escapeHtml } from './escape-html.ts';
import { htmlTable } from './html-table.ts';

const SHOWN = 50;

function collect(group: SummaryGroup): SummaryCheck[] {
  return [...group.checks.filter((c) => c.fails > 0), ...group.groups.flatMap(collect)];
}

/** The checks that failed at least once, with their group path; empty when none did. */
export function failedChecks(root: SummaryGroup): string {
  const failed = collect(root);
  if (!failed.length) return '';
  const rows = failed.slice(0, SHOWN).map((c) => ({
    className: 'fail',
    cells: [escapeHtml(c.path), String(c.fails), String(c.passes)],
  }));
  const more = failed.length > SHOWN ? `<p>…and ${failed.length - SHOWN} more.</p>` : '';
  return `<h2>Failed checks</h2>${htmlTable('failed-checks', ['check', 'failed', 'passed'], rows)}${more}`;
}
