/**
 * A tenant id as a line of text output shows it: as it is, or JSON-quoted where it holds a control character (a
 * newline would split the line in two, a carriage return overwrite it) or is empty (a blank column). --json carries
 * the id itself.
 */
export function shownTenant(id: string): string {
  // eslint-disable-next-line no-control-regex
  return id === '' || /[\u0000-\u001f\u007f]/.test(id) ? JSON.stringify(id) : id;
}
