import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { consoleLines, runScript } from './helpers/run-script.ts';

// SharedArray as k6's (internal/js/modules/k6/data/data.go): elements kept as JSON, one array per name, and
// k6's refusals. The runner kept the builder's objects as they were (a Date stayed a Date, an instance kept its
// methods) and built a SharedArray anywhere, with any name and from an async function.
describe('k6/data SharedArray', () => {
  for (const mode of ['isolated', 'shared'])
    it(`keeps JSON copies, shares a name and refuses what k6 refuses (${mode})`, async () => {
      const run = await runScript(
        `import { SharedArray } from 'k6/data';
class User { constructor(name) { this.name = name; } greet() { return 'hi'; } }
const a = new SharedArray('users', () => [new Date(0), new User('ann'), { m: new Map([[1, 2]]) }, 5]);
const b = new SharedArray('users', () => { throw new Error('not called: the name is taken'); });
const tried = (f) => { try { f(); return 'ok'; } catch (e) { return e.message; } };
const init = [
  tried(() => new SharedArray('', () => [])),
  ${mode === 'isolated' ? "tried(() => new SharedArray('async', async () => []))," : ''}
  tried(() => new SharedArray('notfn', [1])),
  tried(() => new SharedArray('notarray', () => ({}))),
];
export const options = { iterations: 1 };
export default function () {
  console.log(a[0], typeof a[0], a[1].name, typeof a[1].greet, Object.keys(a[2].m).length, a[3], b === a || b.length);
  console.log(init.join(' | '));
  console.log(tried(() => new SharedArray('late', () => [])));
}
`,
        {},
        {},
        ['--vu-mode', mode],
      );
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(consoleLines(run.stderr), [
        '1970-01-01T00:00:00.000Z string ann undefined 0 5 true',
        [
          "empty name provided to SharedArray's constructor",
          ...(mode === 'isolated'
            ? ['SharedArray constructor does not support async functions as second argument']
            : []),
          "a function is expected as the second argument of SharedArray's constructor",
          'only arrays can be made into SharedArray',
        ].join(' | '),
        'new SharedArray must be called in the init context',
      ]);
    });
});
