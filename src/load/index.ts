export { runLoad, type LoadRunInput, type LoadRunResult, type VuMode } from './run-load.ts';
export { LoadError, LOAD_EXIT, type LoadErrorCode } from './load-error.ts';
export type { CliOverrides } from './options/resolve-options.ts';
export { parseDuration } from './options/parse-duration.ts';
export { K6_MODULES } from './script/bundle-script.ts';
