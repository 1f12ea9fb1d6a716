import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BadRequestError } from '../../src/api/errors.js';
import { parseLabelSelector, selectorFromLabelSelector, selectorFromSet } from '../../src/api/labels.js';

const labels = { app: 'web', tier: 'frontend', version: '3' };

const matching: { name: string; selector: string; matches: boolean; text: string }[] = [
  { name: 'empty selects everything', selector: '', matches: true, text: '' },
  { name: 'equality', selector: 'app=web', matches: true, text: 'app=web' },
  { name: 'double equals', selector: 'app==web', matches: true, text: 'app==web' },
  { name: 'inequality', selector: 'app!=web', matches: false, text: 'app!=web' },
  { name: 'inequality on a missing key holds', selector: 'missing!=x', matches: true, text: 'missing!=x' },
  { name: 'in', selector: 'tier in (backend, frontend)', matches: true, text: 'tier in (backend,frontend)' },
  { name: 'notin', selector: 'tier notin (frontend)', matches: false, text: 'tier notin (frontend)' },
  { name: 'notin on a missing key holds', selector: 'x notin (a)', matches: true, text: 'x notin (a)' },
  { name: 'exists', selector: 'app', matches: true, text: 'app' },
  { name: 'does not exist', selector: '!app', matches: false, text: '!app' },
  { name: 'conjunction, sorted by key', selector: 'tier=frontend,app=web', matches: true, text: 'app=web,tier=frontend' },
  { name: 'conjunction with a miss', selector: 'app=web,tier=backend', matches: false, text: 'app=web,tier=backend' },
  { name: 'empty value', selector: 'app=', matches: false, text: 'app=' },
  { name: 'greater than', selector: 'version>2', matches: true, text: 'version>2' },
  { name: 'keys with prefixes', selector: 'example.com/team=a', matches: false, text: 'example.com/team=a' },
  { name: 'spaces around operators', selector: ' app = web ', matches: true, text: 'app=web' },
];

for (const row of matching) {
  test(`label selector: ${row.name}`, () => {
    const sel = parseLabelSelector(row.selector);
    assert.equal(sel.matches(labels), row.matches);
    assert.equal(sel.toString(), row.text);
    assert.equal(sel.empty, row.selector.trim() === '');
  });
}

const errors: { selector: string; message: RegExp }[] = [
  { selector: 'a in', message: /found '', expected: '\('/ },
  { selector: 'a in (b', message: /expected: ',' or '\)'/ },
  { selector: 'a b', message: /found 'b', expected: in, notin, =, ==, !=, gt, lt/ },
  { selector: 'A_-=x', message: /Invalid value: "A_-": name part must consist of alphanumeric characters/ },
  { selector: 'a=b c', message: /found 'c', expected: ',' or 'end of string'/ },
  { selector: 'a=(', message: /expected: identifier/ },
  { selector: 'a=b,', message: /expected: identifier after ','/ },
  { selector: 'a=bad value', message: /found 'value', expected: ',' or 'end of string'/ },
  { selector: 'a=-x', message: /a valid label must be an empty string/ },
];

for (const row of errors) {
  test(`label selector error: ${JSON.stringify(row.selector)}`, () => {
    assert.throws(() => parseLabelSelector(row.selector), (e: unknown) => e instanceof BadRequestError && row.message.test(e.message));
  });
}

test('metav1.LabelSelector: matchLabels and matchExpressions', () => {
  const sel = selectorFromLabelSelector({
    matchLabels: { app: 'web' },
    matchExpressions: [
      { key: 'tier', operator: 'In', values: ['frontend', 'backend'] },
      { key: 'canary', operator: 'DoesNotExist' },
    ],
  });
  assert.equal(sel.matches(labels), true);
  assert.equal(sel.matches({ ...labels, canary: 'yes' }), false);
  assert.equal(sel.toString(), 'app=web,!canary,tier in (backend,frontend)');
});

test('metav1.LabelSelector: nil selects nothing, {} selects everything', () => {
  assert.equal(selectorFromLabelSelector(undefined).matches(labels), false);
  assert.equal(selectorFromLabelSelector({}).matches(labels), true);
  assert.equal(selectorFromLabelSelector({}).empty, true);
});

test('metav1.LabelSelector: bad operator and empty In values are errors', () => {
  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'Foo' }] }), /"Foo" is not a valid label selector operator/);
  assert.throws(() => selectorFromLabelSelector({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] }), /values set can't be empty/);
});

test('selectorFromSet requires every pair', () => {
  const sel = selectorFromSet({ app: 'web', tier: 'frontend' });
  assert.equal(sel.matches(labels), true);
  assert.equal(sel.matches({ app: 'web' }), false);
  assert.equal(sel.toString(), 'app=web,tier=frontend');
});
