import { LoadError } from '../load/load-error.ts';

const GO_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};
const GO_PART = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/y;

/** Go's time.ParseDuration in milliseconds (k6 reads a stage's duration with it: no `d` unit, no bare number). */
function goDurationMs(text: string): number | undefined {
  const sign = text.startsWith('-') ? -1 : 1;
  const rest = text.replace(/^[-+]/, '');
  if (rest === '0') return 0;
  let total = 0;
  GO_PART.lastIndex = 0;
  while (rest !== '' && GO_PART.lastIndex < rest.length) {
    const m = GO_PART.exec(rest);
    if (!m) return undefined;
    total += Number(m[1]) * GO_UNIT_MS[m[2]];
  }
  return rest === '' ? undefined : sign * total;
}

const invalid = (message: string) => new LoadError('TENANTOPS_E_LOAD_OPTIONS', `K6_STAGES: ${message}`);

/**
 * K6_STAGES as k6 reads it (lib/options.go, envconfig: a list split at commas; lib/models.go Stage.UnmarshalText:
 * `duration:target`, split at the first colon, the duration Go's). A stage without a duration is dropped, as
 * k6's Options.Apply drops it; one without a target, or with a negative value, fails as k6's validation
 * (lib/executor/helpers.go validateStages) does. Nothing is trimmed: k6 trims nothing either.
 * An empty or blank value, or one whose every stage is dropped, is an empty list, not an unset variable:
 * envconfig (mstoykov/envconfig processField) sets a present variable's slice to an empty one when the value
 * is blank, and k6 then runs with its stages explicitly empty (resolve-options.ts).
 */
export function envStages(text: string): { duration: string; target: number }[] {
  const stages: { duration: string; target: number }[] = [];
  if (text.trim() === '') return stages;
  text.split(',').forEach((spec, i) => {
    const at = spec.indexOf(':');
    const durationText = at < 0 ? spec : spec.slice(0, at);
    const targetText = at < 0 ? '' : spec.slice(at + 1);
    const ms = durationText === '' ? undefined : goDurationMs(durationText);
    if (durationText !== '' && ms === undefined) throw invalid(`invalid duration "${durationText}" in stage "${spec}"`);
    if (targetText !== '' && !/^[-+]?\d+$/.test(targetText))
      throw invalid(`invalid target "${targetText}" in stage "${spec}"`);
    if (ms === undefined) return;
    if (targetText === '') throw invalid(`stage ${i + 1} doesn't have a target`);
    if (ms < 0) throw invalid(`the duration for stage ${i + 1} can't be negative`);
    if (Number(targetText) < 0) throw invalid(`the target for stage ${i + 1} can't be negative`);
    stages.push({ duration: `${ms}ms`, target: Number(targetText) });
  });
  return stages;
}
