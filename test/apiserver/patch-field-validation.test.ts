// A patch whose result does not decode is refused as upstream's patch handler refuses it:
// 422 Invalid on the field "patch", with no kind or name (kubectl: "The request is invalid"),
// showing the strategic merge patch as Go prints a map, or the patched document for JSON and
// merge patches.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestServer, type TestServer } from '../helpers/api-server.js';
import { goValueText } from '../../src/apiserver/go-value-text.js';

const CM = '/api/v1/namespaces/default/configmaps';

describe('patch field validation', () => {
  let t: TestServer;
  before(async () => {
    t = await startTestServer();
    const r = await t.request('POST', CM, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'p' }, data: { a: '1' } });
    assert.equal(r.status, 201);
  });
  after(async () => {
    await t.stop();
  });

  const patch = (type: string, body: unknown, query = '?fieldValidation=Strict') =>
    t.request('PATCH', `${CM}/p${query}`, body, { 'content-type': type });

  it('refuses an unknown field in a strategic merge patch with 422 on "patch"', async () => {
    const r = await patch('application/strategic-merge-patch+json', { bogus: 1, data: { b: null } });
    assert.equal(r.status, 422);
    assert.equal(r.json.reason, 'Invalid');
    assert.equal(r.json.message, ' "" is invalid: patch: Invalid value: "map[bogus:1 data:map[b:<nil>]]": strict decoding error: unknown field "bogus"');
    assert.deepEqual(r.json.details, {
      causes: [{ reason: 'FieldValueInvalid', field: 'patch', message: 'Invalid value: "map[bogus:1 data:map[b:<nil>]]": strict decoding error: unknown field "bogus"' }],
    });
  });

  it('shows the patched document for a merge patch', async () => {
    const r = await patch('application/merge-patch+json', { bogus: true });
    assert.equal(r.status, 422);
    const cause = r.json.details.causes[0];
    assert.equal(cause.field, 'patch');
    assert.match(cause.message, /^Invalid value: "\{\\"apiVersion\\":\\"v1\\",.*\\"bogus\\":true\}": strict decoding error: unknown field "bogus"$/);
  });

  it('warns instead by default and leaves the unknown field out', async () => {
    const r = await patch('application/strategic-merge-patch+json', { bogus: 1, data: { b: '2' } }, '');
    assert.equal(r.status, 200);
    assert.equal(r.headers.warning, '299 - "unknown field \\"bogus\\""');
    assert.deepEqual(r.json.data, { a: '1', b: '2' });
    assert.equal(r.json.bogus, undefined);
  });

  it('keeps the 400 of a create for unknown fields in a full object', async () => {
    const r = await t.request('POST', `${CM}?fieldValidation=Strict`, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'q' }, bogus: 1 });
    assert.equal(r.status, 400);
    assert.equal(r.json.message, 'ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "bogus"');
  });
});

describe('goValueText prints values as Go prints decoded JSON with %v', () => {
  const rows: [string, unknown, string][] = [
    ['a map, keys sorted', { b: 1, a: 'x' }, 'map[a:x b:1]'],
    ['nested maps and lists', { s: { l: ['p', 'q'], m: {} } }, 'map[s:map[l:[p q] m:map[]]]'],
    ['null as <nil>', { k: null }, 'map[k:<nil>]'],
    ['booleans and floats', [true, 1.5, 1e-7], '[true 1.5 1e-07]'],
    ['big integers in full', 12345678901234, '12345678901234'],
  ];
  for (const [name, value, expected] of rows) {
    it(name, () => assert.equal(goValueText(value), expected));
  }
});
