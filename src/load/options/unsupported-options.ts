/**
 * k6 options this runner does not implement. A script that sets one runs without it, after one warning naming it;
 * docs/load-runner.md lists them (test/load/load-runner-doc.test.ts keeps the two in step).
 * https://grafana.com/docs/k6/latest/using-k6/k6-options/reference/
 */
export const UNSUPPORTED_OPTIONS = [
  'blacklistIPs',
  'blockHostnames',
  'dns',
  'executionSegment',
  'executionSegmentSequence',
  'hosts',
  'httpDebug',
  'localIPs',
  'noConnectionReuse',
  'noVUConnectionReuse',
  'rps',
  'systemTags',
] as const;

/**
 * A value that asks for nothing k6 would not do anyway (`noConnectionReuse: false`, `rps: 0`, `hosts: {}`, null):
 * a script that spells out such a default runs as in k6, so it gets no warning. Arrays are never such a value
 * (`systemTags: []` drops every system tag in k6).
 */
export function isUnsetValue(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '') return true;
  return typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 0;
}

/** The warning for an unsupported option, as printed at the start of the run. */
export function unsupportedOptionWarning(name: string): string {
  return `the k6 option "${name}" is not supported by tenantops load; it is ignored (see docs/load-runner.md)`;
}
