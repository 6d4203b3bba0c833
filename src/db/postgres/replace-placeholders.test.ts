import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replacePlaceholders } from './replace-placeholders.ts';

test('replaces each $n placeholder and nothing inside literals, quoted names, dollar quotes or comments', () => {
  const sql = `SELECT '$1', "a$1", $$ $1 $$, $t$ $2 $t$, x$1 /* $1 */ FROM t WHERE a = $1 AND b IN (SELECT c FROM u WHERE d = $12) -- $1
   AND e = 'it''s $2' AND f=$2`;
  assert.equal(
    replacePlaceholders(sql, (n) => `<${n}>`),
    `SELECT '$1', "a$1", $$ $1 $$, $t$ $2 $t$, x$1 /* $1 */ FROM t WHERE a = <1> AND b IN (SELECT c FROM u WHERE d = <12>) -- $1
   AND e = 'it''s $2' AND f=<2>`,
  );
});
