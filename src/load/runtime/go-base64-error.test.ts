import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createK6Encoding } from './k6-encoding.ts';
import { goBase64Error } from './go-base64-error.ts';

// The offsets are Go's: base64.StdEncoding / URLEncoding (.WithPadding(NoPadding)) .DecodeString's
// CorruptInputError for each text (encoding/base64 decodeQuantum).
describe("goBase64Error: where Go's base64 decoder refuses a text", () => {
  it('accepts what Go decodes', () => {
    assert.equal(goBase64Error('aGVsbG8/Pg==', false, true), undefined);
    assert.equal(goBase64Error('aGVsbG8_Pg==', true, true), undefined);
    assert.equal(goBase64Error('aGVsbG8/Pg', false, false), undefined);
    assert.equal(goBase64Error('aGVs\r\nbG8=', false, true), undefined);
    assert.equal(goBase64Error('', false, true), undefined);
  });

  it('names the offset Go names', () => {
    assert.equal(goBase64Error('!!!', false, true), 0);
    assert.equal(goBase64Error('aGVsbG8/Pg', false, true), 8, 'a padded encoding needs whole quanta');
    assert.equal(goBase64Error('aGVsbG8/Pg==', false, false), 10, 'a raw encoding takes no padding');
    assert.equal(goBase64Error('aGVsbG8_Pg==', false, true), 7, "'_' is not in the standard alphabet");
    assert.equal(goBase64Error('a', false, false), 0, 'one character of a quantum is no byte');
    assert.equal(goBase64Error('aG=s', false, true), 2);
    assert.equal(goBase64Error('aGVsbA==x', false, true), 8, 'nothing may follow the padding');
    assert.equal(goBase64Error('a===', false, true), 1);
  });

  it("makes k6/encoding's b64decode throw k6's error instead of decoding what Node skips", () => {
    const { b64decode } = createK6Encoding();
    assert.throws(() => b64decode('eyJhIjoxfQ', 'url', 's'), { message: 'illegal base64 data at input byte 8' });
    assert.equal(b64decode('eyJhIjoxfQ', 'rawurl', 's'), '{"a":1}');
    assert.equal(b64decode('eyJhIjoxfQ==', 'url', 's'), '{"a":1}');
  });
});
