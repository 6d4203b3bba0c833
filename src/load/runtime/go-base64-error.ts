const STD = /^[A-Za-z0-9+/]$/;
const URL_SAFE = /^[A-Za-z0-9_-]$/;

/**
 * Where Go's encoding/base64 DecodeString refuses a text (the offset its CorruptInputError names), or undefined
 * when it decodes. Node's decoder takes anything (it skips what is not base64), k6's (internal/js/modules/k6/
 * encoding/encoding.go) throws `illegal base64 data at input byte N`. Follows Go's decodeQuantum: \r and \n are
 * skipped, a padded encoding needs whole quanta and '=' only at the end, a raw one no '=' and no lone last char.
 */
export function goBase64Error(input: string, url: boolean, padded: boolean): number | undefined {
  const alphabet = url ? URL_SAFE : STD;
  const newline = (c: string) => c === '\n' || c === '\r';
  let si = 0;
  for (;;) {
    for (let j = 0; j < 4; j++) {
      if (si === input.length) {
        if (j === 0) return undefined;
        if (j === 1 || padded) return si - j;
        return undefined;
      }
      const c = input[si++];
      if (alphabet.test(c)) continue;
      if (newline(c)) {
        j--;
        continue;
      }
      if (c !== '=' || !padded) return si - 1;
      // Padding: only after two or three characters of a quantum, and the quantum's last.
      if (j < 2) return si - 1;
      if (j === 2) {
        while (si < input.length && newline(input[si])) si++;
        if (si === input.length) return input.length;
        if (input[si] !== '=') return si - 1;
        si++;
      }
      while (si < input.length && newline(input[si])) si++;
      return si < input.length ? si : undefined;
    }
  }
}
