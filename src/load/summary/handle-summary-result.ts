/**
 * What k6 does with handleSummary()'s return value (internal/js/summary-wrapper.js, summary.go
 * getSummaryResult, js/common GetReader): a falsy value (no return statement: a handleSummary that only posts
 * the results somewhere) prints the default summary; otherwise it must be an object whose values are strings or
 * ArrayBuffers (a Uint8Array too: Go's []byte), or nothing is written and k6 logs the error.
 */
export type HandleSummaryResult =
  | { kind: 'default' }
  | { kind: 'outputs'; outputs: [target: string, content: string | Buffer][] }
  | { kind: 'error'; message: string };

export function handleSummaryResult(value: unknown): HandleSummaryResult {
  if (!value) return { kind: 'default' };
  if (typeof value !== 'object' || Array.isArray(value))
    return { kind: 'error', message: 'handleSummary() should return a map with string keys' };
  const outputs: [string, string | Buffer][] = [];
  for (const [target, content] of Object.entries(value as Record<string, unknown>)) {
    if (typeof content === 'string') outputs.push([target, content]);
    else if (content instanceof ArrayBuffer) outputs.push([target, Buffer.from(content)]);
    else if (content instanceof Uint8Array) outputs.push([target, Buffer.from(content)]);
    else
      return {
        kind: 'error',
        message: `error handling summary object ${target}: invalid type ${goTypeName(content)}, it needs to be a string or ArrayBuffer`,
      };
  }
  return { kind: 'outputs', outputs };
}

/** The Go type k6 names (%T of the value sobek exports) for the usual mistakes. */
function goTypeName(v: unknown): string {
  if (v === null || v === undefined) return '<nil>';
  if (typeof v === 'number') return Number.isInteger(v) ? 'int64' : 'float64';
  if (typeof v === 'boolean') return 'bool';
  if (Array.isArray(v)) return '[]interface {}';
  return 'map[string]interface {}';
}
