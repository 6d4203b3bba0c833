// k6 scripts import jslib modules by URL; @types/k6 does not declare them.
declare module 'https://jslib.k6.io/k6-summary/*' {
  export function textSummary(data: object, options?: { indent?: string; enableColors?: boolean }): string;
  export function jUnit(data: object, options?: object): string;
}
