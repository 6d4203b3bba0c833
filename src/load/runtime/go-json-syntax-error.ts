/**
 * The first syntax error Go's encoding/json finds in a body (its checkValid scan, which json.Unmarshal runs
 * before decoding), or undefined when the body is valid JSON. k6's res.json() (js/modules/k6/http/response.go)
 * wraps it as `cannot parse json due to an error at line L, character C , error: <Go's message>`; Node's
 * JSON.parse says `Unexpected token '<', "<html>..." is not valid JSON`, which no k6 script or log filter expects.
 * `offset` is Go's SyntaxError.Offset: the 1-based byte at fault, or the length of the body at its end.
 */
export function goJsonSyntaxError(body: Uint8Array): { message: string; offset: number } | undefined {
  const scanner = new Scanner();
  for (let i = 0; i < body.length; i++) {
    const context = scanner.step(body[i]);
    if (context !== undefined) return { message: `invalid character ${quoteChar(body[i])} ${context}`, offset: i + 1 };
  }
  // Go's eof(): a space ends a pending number or top-level value; anything else is cut short.
  if (scanner.step(0x20) === undefined && scanner.done) return undefined;
  return { message: 'unexpected end of JSON input', offset: body.length };
}

/**
 * k6's message for a body json() cannot parse: the line and character (runes, counted as k6's checkErrorInJSON
 * does, from 1, the faulty one included) of Go's offset.
 */
export function goJsonParseMessage(body: Uint8Array, error: { message: string; offset: number }): string {
  const offset = error.offset > 0 ? error.offset - 1 : 0;
  let line = 1;
  let character = 0;
  for (let i = 0; i < body.length;) {
    const b = body[i];
    if (b === 0x0a) {
      line++;
      character = 0;
    } else character++;
    if (i >= offset) {
      if (b === 0x0a) character = 1;
      break;
    }
    i += runeWidth(body, i);
  }
  return `cannot parse json due to an error at line ${line}, character ${character} , error: ${error.message}`;
}

/** Bytes of the UTF-8 sequence at i as Go's range over a string steps them (an invalid byte is one rune). */
function runeWidth(b: Uint8Array, i: number): number {
  const c = b[i];
  const n = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 1;
  for (let k = 1; k < n; k++) if (i + k >= b.length || (b[i + k] & 0xc0) !== 0x80) return 1;
  return n;
}

/** Go's quoteChar: the byte as a rune in strconv.Quote's escaping, between single quotes. */
function quoteChar(c: number): string {
  if (c === 0x27) return `'\\''`;
  if (c === 0x22) return `'"'`;
  const named: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 0x5c: '\\' };
  if (named[c] !== undefined) return `'\\${named[c]}'`;
  if (c < 0x20 || c === 0x7f) return `'\\x${c.toString(16).padStart(2, '0')}'`;
  // Bytes from 0x80 are runes U+0080..U+00FF to Go; the C1 controls, no-break space and soft hyphen are not printable.
  if ((c >= 0x80 && c < 0xa0) || c === 0xa0 || c === 0xad) return `'\\u00${c.toString(16).padStart(2, '0')}'`;
  return `'${String.fromCharCode(c)}'`;
}

const isSpace = (c: number) => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHex = (c: number) => isDigit(c) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);

type Step = (c: number) => string | undefined;
type Container = 'objectKey' | 'objectValue' | 'array';

/** encoding/json's scanner states; a step returns the context of Go's error message, or undefined. */
class Scanner {
  done = false;
  private readonly stack: Container[] = [];
  private next: Step = (c) => this.beginValue(c);

  step(c: number): string | undefined {
    return this.next(c);
  }

  private beginValue(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    switch (c) {
      case 0x7b: // {
        this.stack.push('objectKey');
        this.next = (d) => this.beginKeyOrEmpty(d);
        return undefined;
      case 0x5b: // [
        this.stack.push('array');
        this.next = (d) => (isSpace(d) ? undefined : d === 0x5d ? this.endValue(d) : this.beginValue(d));
        return undefined;
      case 0x22:
        this.next = (d) => this.inString(d);
        return undefined;
      case 0x2d: // -
        this.next = (d) => (d === 0x30 ? this.zero() : isDigit(d) ? this.digits() : 'in numeric literal');
        return undefined;
      case 0x30:
        return this.zero();
      case 0x74:
        return this.literal('true', 1);
      case 0x66:
        return this.literal('false', 1);
      case 0x6e:
        return this.literal('null', 1);
    }
    if (isDigit(c)) return this.digits();
    return 'looking for beginning of value';
  }

  private beginKeyOrEmpty(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    if (c === 0x7d) {
      this.stack[this.stack.length - 1] = 'objectValue';
      return this.endValue(c);
    }
    return this.beginKey(c);
  }

  private beginKey(c: number): string | undefined {
    if (isSpace(c)) return undefined;
    if (c !== 0x22) return 'looking for beginning of object key string';
    this.next = (d) => this.inString(d);
    return undefined;
  }

  private inString(c: number): string | undefined {
    if (c === 0x22) this.next = (d) => this.endValue(d);
    else if (c === 0x5c) this.next = (d) => this.escape(d);
    else if (c < 0x20) return 'in string literal';
    return undefined;
  }

  private escape(c: number): string | undefined {
    if (c === 0x75) {
      let left = 4;
      this.next = (d) => {
        if (!isHex(d)) return 'in \\u hexadecimal character escape';
        if (--left === 0) this.next = (e) => this.inString(e);
        return undefined;
      };
      return undefined;
    }
    if (!'bfnrt\\/"'.includes(String.fromCharCode(c))) return 'in string escape code';
    this.next = (d) => this.inString(d);
    return undefined;
  }

  private literal(word: string, at: number): undefined {
    this.next = (c) => {
      if (c !== word.charCodeAt(at)) return `in literal ${word} (expecting '${word[at]}')`;
      if (at + 1 === word.length) this.next = (d) => this.endValue(d);
      else this.literal(word, at + 1);
      return undefined;
    };
    return undefined;
  }

  /** After 1-9: more digits, then as after 0. */
  private digits(): undefined {
    this.next = (c) => (isDigit(c) ? undefined : this.afterInteger(c));
    return undefined;
  }

  private zero(): undefined {
    this.next = (c) => this.afterInteger(c);
    return undefined;
  }

  private afterInteger(c: number): string | undefined {
    if (c === 0x2e) {
      this.next = (d) => {
        if (!isDigit(d)) return 'after decimal point in numeric literal';
        this.next = (e) => (isDigit(e) ? undefined : e === 0x65 || e === 0x45 ? this.exponent() : this.endValue(e));
        return undefined;
      };
      return undefined;
    }
    if (c === 0x65 || c === 0x45) return this.exponent();
    return this.endValue(c);
  }

  private exponent(): undefined {
    const firstDigit: Step = (d) => {
      if (!isDigit(d)) return 'in exponent of numeric literal';
      this.next = (e) => (isDigit(e) ? undefined : this.endValue(e));
      return undefined;
    };
    this.next = (c) => {
      if (c === 0x2b || c === 0x2d) {
        this.next = firstDigit;
        return undefined;
      }
      return firstDigit(c);
    };
    return undefined;
  }

  private endValue(c: number): string | undefined {
    const top = this.stack[this.stack.length - 1];
    if (top === undefined) {
      this.done = true;
      this.next = (d) => (isSpace(d) ? undefined : 'after top-level value');
      return this.next(c);
    }
    this.next = (d) => this.endValue(d);
    if (isSpace(c)) return undefined;
    if (top === 'objectKey') {
      if (c !== 0x3a) return 'after object key';
      this.stack[this.stack.length - 1] = 'objectValue';
      this.next = (d) => this.beginValue(d);
      return undefined;
    }
    if (top === 'objectValue') {
      if (c === 0x2c) {
        this.stack[this.stack.length - 1] = 'objectKey';
        this.next = (d) => this.beginKey(d);
        return undefined;
      }
      if (c !== 0x7d) return 'after object key:value pair';
      this.stack.pop();
      return this.endValue(0x20);
    }
    if (c === 0x2c) {
      this.next = (d) => this.beginValue(d);
      return undefined;
    }
    if (c !== 0x5d) return 'after array element';
    this.stack.pop();
    return this.endValue(0x20);
  }
}
