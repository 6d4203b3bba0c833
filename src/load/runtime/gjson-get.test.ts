import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gjsonGet } from './gjson-get.ts';

// The document and paths of GJSON's SYNTAX.md (https://github.com/tidwall/gjson/blob/master/SYNTAX.md), the
// selector language of k6's res.json(selector).
const doc = {
  name: { first: 'Tom', last: 'Anderson' },
  age: 37,
  children: ['Sara', 'Alex', 'Jack'],
  'fav.movie': 'Deer Hunter',
  friends: [
    { first: 'Dale', last: 'Murphy', age: 44, nets: ['ig', 'fb', 'tw'] },
    { first: 'Roger', last: 'Craig', age: 68, nets: ['fb', 'tw'] },
    { first: 'Jane', last: 'Murphy', age: 47, nets: ['ig', 'tw'] },
  ],
};

describe('gjsonGet, the GJSON paths of res.json(selector)', () => {
  for (const [path, want] of [
    ['name.last', 'Anderson'],
    ['age', 37],
    ['children', ['Sara', 'Alex', 'Jack']],
    ['children.#', 3],
    ['children.1', 'Alex'],
    ['child*.2', 'Jack'],
    ['c?ildren.0', 'Sara'],
    ['fav\\.movie', 'Deer Hunter'],
    ['friends.#.first', ['Dale', 'Roger', 'Jane']],
    ['friends.1.last', 'Craig'],
    ['friends.#(last=="Murphy").first', 'Dale'],
    ['friends.#(last=="Murphy")#.first', ['Dale', 'Jane']],
    ['friends.#(age>45)#.last', ['Craig', 'Murphy']],
    ['friends.#(first%"D*").last', 'Murphy'],
    ['friends.#(first!%"D*").last', 'Craig'],
    ['friends.#(nets.#(=="fb"))#.first', ['Dale', 'Roger']],
    ['friends.#(last=="Murphy")#|#', 2],
    ['friends.#.nets.#', [3, 2, 2]],
  ] as const)
    it(`${path} gives ${JSON.stringify(want)}`, () => {
      assert.deepEqual(gjsonGet(doc, path), { value: want });
    });

  it('matches nothing for missing keys, indexes out of range, keys of arrays and a query without a hit', () => {
    for (const path of ['nope', 'name.middle', 'children.3', 'children.first', 'age.x', 'friends.#(age>100).first', ''])
      assert.equal(gjsonGet(doc, path), undefined, path);
  });

  it('tells null, which exists, from nothing', () => {
    assert.deepEqual(gjsonGet({ a: null }, 'a'), { value: null });
    assert.equal(gjsonGet({ a: null }, 'a.b'), undefined);
  });
});
