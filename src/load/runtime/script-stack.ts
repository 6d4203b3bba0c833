import { SourceMap, type SourceMapPayload } from 'node:module';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

import type { Insertion, InsertionOrigin } from '../script/mark-throw-sites.ts';

// An anonymous function's frame is `at file:line:col`, and once it has awaited (the shared VU mode's
// twins), `at async file:line:col`.
const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.+):(\d+):(\d+)\)?$/;

export interface ScriptStackConfig {
  /** The file name the bundle was compiled under (its frames are the script's frames). */
  file: string;
  /** Lines the runtime's wrapper puts before the bundle's first line. */
  lineOffset: number;
  /** The bundle's source map (esbuild's), as JSON text. */
  sourceMap?: string;
  /** Where the source map's relative `sources` live: the entry script's directory. */
  dir: string;
  insertions?: Insertion[];
  /** A second layer of insertions made into the code after `insertions` (script/async-vu-transform.ts). */
  outerInsertions?: Insertion[];
}

type Shift = [at: number, length: number, origins?: InsertionOrigin[]];

/**
 * A 0-based column of code with insertions, as [lines down, column] of the code before them: inside
 * inserted text, where its origins say that text comes from, else the position of the code it wraps.
 */
function unshift(column: number, shifts: Shift[] | undefined): [number, number] {
  let shift = 0;
  for (const [at, length, origins] of shifts ?? []) {
    const start = at + shift;
    if (column < start) break;
    if (column < start + length) {
      const offset = column - start;
      const origin = origins?.findLast(([from]) => from <= offset);
      return origin ? [origin[1], origin[2] + offset - origin[0]] : [0, at];
    }
    shift += length;
  }
  return [0, column - shift];
}

/**
 * Turns V8 stack traces of the bundled script into k6's form, `\tat fn (file:///abs/script.js:12:5)`,
 * with positions in the original files (through esbuild's source map) and only the script's frames.
 * https://grafana.com/docs/k6/latest/using-k6/modules/#bundling-node-modules (k6 reports original positions)
 */
export class ScriptStack {
  private readonly map: SourceMap | undefined;
  private readonly shifts = new Map<number, Shift[]>();
  private readonly outerShifts = new Map<number, Shift[]>();
  /** Files of the script compiled as they are, outside the bundle (runtime/common-js-module.ts). */
  private readonly ownFiles = new Set<string>();
  /** Where the last non-Error value was thrown: a thrown string carries no stack of its own. */
  private lastThrow: { value: unknown; stack: string | undefined } | undefined;

  constructor(private readonly cfg: ScriptStackConfig) {
    if (cfg.sourceMap) {
      try {
        this.map = new SourceMap(JSON.parse(cfg.sourceMap) as SourceMapPayload);
      } catch {
        this.map = undefined;
      }
    }
    for (const [into, list] of [
      [this.shifts, cfg.insertions],
      [this.outerShifts, cfg.outerInsertions],
    ] as const) {
      for (const [line, column, length, origins] of list ?? []) {
        const shifts = into.get(line) ?? [];
        shifts.push([column, length, origins]);
        into.set(line, shifts);
      }
    }
  }

  /** A file whose frames are the script's, at their own positions (no source map). */
  addFile(file: string): void {
    this.ownFiles.add(file);
  }

  /** file:///path:line:col of a frame of the script, or undefined for a frame of the runtime. */
  private where(file: string, line: number, column: number): string | undefined {
    if (file === this.cfg.file) return this.locate(line, column);
    if (this.ownFiles.has(file)) return `${pathToFileURL(file).href}:${line}:${column}`;
    return undefined;
  }

  /** Bound to the bundle's throw sites: remembers where a non-Error value is thrown, and returns it. */
  readonly recordThrow = (value: unknown): unknown => {
    if (!(value instanceof Error)) this.lastThrow = { value, stack: new Error().stack };
    return value;
  };

  /** k6's text for an uncaught exception: the value (Error's "Name: message"), then its frames. */
  describe(e: unknown): string {
    let stack: string | undefined;
    if (e instanceof Error) stack = e.stack;
    else if (this.lastThrow && Object.is(this.lastThrow.value, e)) stack = this.lastThrow.stack;
    const frames = this.frames(stack);
    return [String(e), ...frames].join('\n');
  }

  /** The script's frames of a V8 stack, mapped to the original files. */
  frames(stack: string | undefined): string[] {
    const out: string[] = [];
    for (const line of (stack ?? '').split('\n')) {
      const m = FRAME.exec(line);
      const where = m ? this.where(m[2], Number(m[3]), Number(m[4])) : undefined;
      if (!m || where === undefined) continue;
      const name = (m[1] ?? '')
        .replace(/^async /, '')
        .replace(/__k6tw$/, '')
        // V8's ` [as login]` (a function called through a key other than its name) is found by looking
        // for the running function on the receiver; in the shared VU mode that function is a twin the
        // receiver does not hold, and strict code hides the receiver from stack-trace hooks
        // (CallSite.getThis() is undefined), so only one mode could show it. k6's frames never do.
        .replace(/ \[as [^\]]*\]$/, '')
        .replace(/^(?:.*\.)?[\w$]+_default$/, 'default')
        // V8 names an anonymous function after the next assignment in its expression, and in the
        // shared VU mode's code that may be one of the transform's (`__k6_o = obj`): it had none.
        .replace(/\b__k6_\w+/g, '<anonymous>');
      out.push(name && name !== '<anonymous>' ? `\tat ${name} (${where})` : `\tat ${where}`);
    }
    return out;
  }

  /**
   * The script's frames of a V8 stack, innermost first: the function's name as V8 gives it (the shared VU mode's
   * twin suffix taken off) and the file: URL of the original file the frame runs in.
   */
  sites(stack: string | undefined): { name: string; url: string }[] {
    const out: { name: string; url: string }[] = [];
    for (const line of (stack ?? '').split('\n')) {
      const m = FRAME.exec(line);
      const where = m ? this.where(m[2], Number(m[3]), Number(m[4])) : undefined;
      if (!m || where === undefined) continue;
      const url = where.replace(/:\d+:\d+$/, '');
      out.push({ name: (m[1] ?? '').replace(/^async /, '').replace(/__k6tw$/, ''), url });
    }
    return out;
  }

  /** file:///path:line:col of a 1-based position in the compiled wrapper. */
  locate(line: number, column: number): string {
    // The async transform's insertions may stand for code on another line (a function's one-line copy).
    const [down, outer] = unshift(column - 1, this.outerShifts.get(line - this.cfg.lineOffset));
    const bundleLine = line - this.cfg.lineOffset + down;
    const [, col] = unshift(outer, this.shifts.get(bundleLine));
    const entry = this.map?.findEntry(bundleLine - 1, col) as
      { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
    if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
      const source = entry.originalSource.startsWith('file://')
        ? entry.originalSource
        : pathToFileURL(resolve(this.cfg.dir, entry.originalSource)).href;
      return `${source}:${entry.originalLine + 1}:${(entry.originalColumn ?? 0) + 1}`;
    }
    return `${pathToFileURL(this.cfg.file).href}:${bundleLine}:${col + 1}`;
  }
}
