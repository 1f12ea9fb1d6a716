import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cloneJson, jsonRoundTrip } from '../../src/apiserver/clone-json.js';

describe('cloneJson', () => {
  it('copies nested objects and arrays so that changing the copy leaves the original alone', () => {
    const original = { metadata: { labels: { a: '1' } }, spec: { containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }, n: null, flag: false };
    const copy = cloneJson(original);
    assert.deepEqual(copy, original);
    copy.metadata.labels.a = '2';
    copy.spec.containers[0]!.ports.push({ containerPort: 81 });
    assert.equal(original.metadata.labels.a, '1');
    assert.equal(original.spec.containers[0]!.ports.length, 1);
  });

  it('keeps key order, undefined-valued keys and a "__proto__" key as an own property', () => {
    const parsed = JSON.parse('{"b":1,"__proto__":{"x":1},"a":2}') as Record<string, unknown>;
    parsed.u = undefined;
    const copy = cloneJson(parsed);
    assert.deepEqual(Object.keys(copy), ['b', '__proto__', 'a', 'u']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(copy, '__proto__')?.value, { x: 1 });
    assert.equal(Object.getPrototypeOf(copy), Object.prototype);
    assert.ok(Object.hasOwn(copy, 'u'));
  });

  it('jsonRoundTrip gives what a JSON round trip gives, key order included', () => {
    const tricky: Record<string, unknown> = {
      b: 1, a: { u: undefined, f: () => 1, n: null, z: -0, inf: Infinity, nan: NaN, d: new Date(0) },
      list: [undefined, () => 1, 1, { x: undefined }], s: 'x', t: true,
    };
    Object.defineProperty(tricky, '__proto__', { value: { p: 1 }, enumerable: true, writable: true, configurable: true });
    const expected = JSON.parse(JSON.stringify(tricky));
    const got = jsonRoundTrip(tricky);
    assert.deepEqual(got, expected);
    assert.equal(JSON.stringify(got), JSON.stringify(expected));
    assert.ok(Object.is((got as any).a.z, 0));
  });
});
