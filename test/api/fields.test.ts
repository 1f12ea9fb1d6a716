import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../../src/api/errors.js';
import { checkFieldSelectorSupported, matchesFieldSelector, parseFieldSelector } from '../../src/api/fields.js';
import { findKindByResource } from '../../src/api/registry.js';

const pod = {
  metadata: { name: 'web-1', namespace: 'default' },
  spec: { nodeName: 'node-a', restartPolicy: 'Always' },
  status: { phase: 'Running' },
};
const pods = findKindByResource('', 'v1', 'pods')!;

const rows: { name: string; selector: string; matches: boolean }[] = [
  { name: 'empty', selector: '', matches: true },
  { name: 'name equals', selector: 'metadata.name=web-1', matches: true },
  { name: 'double equals', selector: 'metadata.name==web-1', matches: true },
  { name: 'not equals', selector: 'status.phase!=Running', matches: false },
  { name: 'kind field', selector: 'spec.nodeName=node-a,status.phase=Running', matches: true },
  { name: 'missing field is the empty string', selector: 'status.podIP=', matches: true },
  { name: 'unassigned pods', selector: 'spec.nodeName=', matches: false },
  { name: 'boolean field', selector: 'spec.hostNetwork=false', matches: true },
];

for (const row of rows) {
  test(`field selector: ${row.name}`, () => {
    const sel = parseFieldSelector(row.selector);
    checkFieldSelectorSupported(sel, pods);
    assert.equal(matchesFieldSelector(sel, pods, pod), row.matches);
  });
}

test('escaped separators belong to the value', () => {
  const sel = parseFieldSelector('metadata.name=a\\,b\\=c');
  assert.deepEqual(sel.requirements, [{ field: 'metadata.name', operator: '=', value: 'a,b=c' }]);
  assert.equal(sel.toString(), 'metadata.name=a\\,b\\=c');
});

test('terms are sorted as upstream does', () => {
  assert.equal(parseFieldSelector('status.phase=Running,metadata.name=x').toString(), 'metadata.name=x,status.phase=Running');
});

test('a term without an operator is rejected with the upstream message', () => {
  assert.throws(() => parseFieldSelector('metadata.name'), (e: unknown) =>
    e instanceof BadRequestError && e.message === "invalid selector: 'metadata.name'; can't understand 'metadata.name'");
});

test('a bad escape is rejected', () => {
  assert.throws(() => parseFieldSelector('metadata.name=a\\b'), /invalid escape sequence/);
});

test('an unknown field is "field label not supported"', () => {
  const sel = parseFieldSelector('spec.foo=bar');
  assert.throws(() => checkFieldSelectorSupported(sel, pods), (e: unknown) =>
    e instanceof BadRequestError && e.code === 400 && e.message === 'field label not supported: spec.foo');
  const cms = findKindByResource('', 'v1', 'configmaps')!;
  assert.throws(() => checkFieldSelectorSupported(parseFieldSelector('status.phase=x'), cms), /field label not supported: status.phase/);
  checkFieldSelectorSupported(parseFieldSelector('metadata.namespace=x'), cms);
});
