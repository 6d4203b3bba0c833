export { E2E_TIME_FACTOR, scaleRuleDurations } from '../../../src/lab/scale-rule-durations.ts';
