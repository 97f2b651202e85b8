import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalJson, CanonicalJsonError, toCanonicalValue } from '../../runner/cache/canonical.ts';

test('canonical JSON does not depend on key order, at any depth', () => {
  const a = { b: 1, a: { y: [1, { q: 2, p: 3 }], x: 'x' } };
  const b = { a: { x: 'x', y: [1, { p: 3, q: 2 }] }, b: 1 };
  assert.equal(canonicalJson(a), canonicalJson(b));
  assert.equal(canonicalJson(a), '{"a":{"x":"x","y":[1,{"p":3,"q":2}]},"b":1}');
});

test('canonical JSON keeps array order and JSON number and string forms', () => {
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
  assert.equal(
    canonicalJson({ n: 1e21, f: 0.1, neg: -0, s: 'é"\n', t: true, z: null }),
    JSON.stringify({ f: 0.1, n: 1e21, neg: 0, s: 'é"\n', t: true, z: null }),
  );
  assert.notEqual(canonicalJson({ a: 1 }), canonicalJson({ a: '1' }));
});

test('undefined object members are dropped, as if absent', () => {
  assert.equal(canonicalJson({ a: 1, b: undefined }), canonicalJson({ a: 1 }));
  assert.deepEqual(toCanonicalValue({ a: 1, b: undefined, c: { d: undefined } }), { a: 1, c: {} });
});

test('values JSON cannot hold faithfully are rejected with their path', () => {
  const cases: [unknown, string][] = [
    [{ a: { b: NaN } }, 'a.b'],
    [{ lr: Infinity }, 'lr'],
    [{ xs: [1, undefined] }, 'xs.1'],
    [{ f: () => 1 }, 'f'],
    [{ m: new Map() }, 'm'],
    [{ d: new Date(0) }, 'd'],
    [{ big: 1n }, 'big'],
    [undefined, ''],
  ];
  for (const [value, path] of cases) {
    assert.throws(
      () => canonicalJson(value),
      (error: unknown) => error instanceof CanonicalJsonError && error.path === path,
      `path ${path}`,
    );
  }
  const loop: Record<string, unknown> = {};
  loop.self = loop;
  assert.throws(() => canonicalJson(loop), /circular reference at `self`/);
});

test('a shared (non-circular) sub-object is fine', () => {
  const shared = { k: 1 };
  assert.equal(canonicalJson({ a: shared, b: shared }), '{"a":{"k":1},"b":{"k":1}}');
});
